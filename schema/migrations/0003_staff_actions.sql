-- Staff actions on tickets: why a ticket was rejected, kept beside its status so that
-- statistics can count rejections by reason. Cleared when the ticket is reopened.

ALTER TABLE tickets ADD COLUMN rejection_reason TEXT;
