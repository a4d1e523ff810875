-- Whether a chat's alerts carry the update's picture (/images on|off; on by default).
ALTER TABLE chats ADD COLUMN images INTEGER NOT NULL DEFAULT 1;
