-- Answers to the extra questions a category asks (Open311 attributes): a JSON list of
-- {"code", "kind", "value"} in the questions' order, NULL when there are none. They may
-- hold personal data (a licence plate), so like the reporter's fields they are for staff only.
ALTER TABLE tickets ADD COLUMN answers TEXT;
