-- Each entry's lead picture (an absolute URL the platforms fetch, never the bot) and what it
-- quotes or plays (a JSON array of {kind, url, text, author}; NULL when nothing).
ALTER TABLE entries ADD COLUMN image TEXT;
ALTER TABLE entries ADD COLUMN embeds TEXT;
