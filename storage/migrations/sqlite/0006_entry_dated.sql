-- How strongly each stored entry's time is dated (bot.core.model DATED_*: 1 the fetch day or
-- an age, 2 the page's own date, 3 its own date): a later fetch moves the time only on
-- stronger evidence. Rows stored before it say nothing: they are taken as dated by the page,
-- so only their own date moves them.
ALTER TABLE entries ADD COLUMN dated INTEGER NOT NULL DEFAULT 2;
