-- Successors: a live page that ended and pointed to its continuation. `successor_url` is the
-- story its followers moved to (set in the move's transaction; a URL, not an id, so that
-- `db copy` needs no order within the table). A chat's `successors` (1: follow) applies to
-- its subscriptions whose own `successors` is NULL.
ALTER TABLE stories ADD COLUMN successor_url TEXT;
ALTER TABLE chats ADD COLUMN successors INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscriptions ADD COLUMN successors INTEGER;
