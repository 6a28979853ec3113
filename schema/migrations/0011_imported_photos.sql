-- Photos an imported ticket's export listed and that are not uploaded yet: only these
-- positions take a file (`PUT /api/v1/staff/import/tickets/{id}/photos/{position}`), so an
-- import can add no photo to a ticket that did not have it. A row goes when its file is
-- recorded in ticket_photos.
CREATE TABLE imported_photos_expected (
    ticket_id    TEXT NOT NULL REFERENCES tickets (id),
    position     INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (ticket_id, position)
);
