-- /track: a chat following a front or section page (or a feed) for new live pages whose
-- title matches its words (newline-separated, as /filter reads them), with every link seen
-- there (the first check's links are the baseline: never followed).
CREATE TABLE tracks (
    id              INTEGER PRIMARY KEY,                -- /list's Tracking numbers follow this
    chat_id         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    include_words   TEXT NOT NULL DEFAULT '',
    exclude_words   TEXT NOT NULL DEFAULT '',
    created_at      REAL NOT NULL,
    next_check_at   REAL NOT NULL,
    last_checked_at REAL,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    UNIQUE (chat_id, url)
);
CREATE INDEX tracks_due ON tracks (next_check_at);

CREATE TABLE track_links (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    url      TEXT NOT NULL,
    seen_at  REAL NOT NULL,
    PRIMARY KEY (track_id, url)
);

-- A chat's last discovery (/subscribe of a page that is not a live page): what
-- /subscribe N and /track N pick from, kept across restarts.
CREATE TABLE discoveries (
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    number  INTEGER NOT NULL,
    url     TEXT NOT NULL,
    title   TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('live', 'feed')),
    PRIMARY KEY (chat_id, number)
);
