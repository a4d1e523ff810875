-- Whether a story is a feed (RSS, Atom, JSON Feed: 1) or a page (0), as its last successful
-- check read it; NULL until a check since. /export writes a feed's URL as xmlUrl, a page's
-- as htmlUrl.
ALTER TABLE stories ADD COLUMN feed INTEGER;
