-- The whole product's schema, version 1. Times are REAL epoch seconds, UTC.

CREATE TABLE stories (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,             -- normalised (bot.urls.normalize_url)
    canonical_url    TEXT,
    final_url        TEXT,
    title            TEXT,
    state            TEXT NOT NULL DEFAULT 'active'
                     CHECK (state IN ('active', 'ended', 'failing')),
    etag             TEXT,
    last_modified    TEXT,
    body_hash        TEXT,
    interval         REAL NOT NULL,
    interval_fixed   INTEGER NOT NULL DEFAULT 0,
    next_check_at    REAL NOT NULL,
    last_checked_at  REAL,
    last_update_at   REAL,
    failures         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    baseline_done    INTEGER NOT NULL DEFAULT 0,
    last_entry_count INTEGER NOT NULL DEFAULT 0,
    created_at       REAL NOT NULL
);
CREATE INDEX stories_due ON stories (state, next_check_at);
CREATE INDEX stories_canonical ON stories (canonical_url);

CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    story_id      INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    published_at  REAL,
    updated_at    REAL,
    title         TEXT,
    text          TEXT NOT NULL,
    url           TEXT,
    first_seen_at REAL NOT NULL,
    last_seen_at  REAL NOT NULL,
    UNIQUE (story_id, key)
);
CREATE INDEX entries_story_time ON entries (story_id, published_at);

-- Every key ('k:...') and (time, text) fingerprint ('f:...') ever stored for a story:
-- an entry carrying one of them is never new again, even after its row changed.
CREATE TABLE entry_marks (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    mark     TEXT NOT NULL,
    entry_id INTEGER REFERENCES entries (id) ON DELETE SET NULL,
    PRIMARY KEY (story_id, mark)
) WITHOUT ROWID;

CREATE TABLE chats (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    thread_id      TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL DEFAULT 'private',
    timezone       TEXT,
    locked         INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 1,
    muted_until    REAL,
    digest_mode    TEXT NOT NULL DEFAULT 'off'
                   CHECK (digest_mode IN ('off', 'every', 'daily')),
    digest_every   REAL,
    digest_at      TEXT,                                -- 'HH:MM' in the chat's time zone
    next_digest_at REAL,
    edits          INTEGER NOT NULL DEFAULT 1,
    created_at     REAL NOT NULL,
    UNIQUE (platform, chat_id, thread_id)
);
CREATE INDEX chats_next_digest ON chats (next_digest_at) WHERE next_digest_at IS NOT NULL;
CREATE INDEX chats_muted_until ON chats (muted_until) WHERE muted_until IS NOT NULL;

CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY,                     -- /list numbers follow this order
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL,
    UNIQUE (chat_id, story_id)
);
CREATE INDEX subscriptions_story ON subscriptions (story_id, active);

CREATE TABLE filters (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE CASCADE,  -- NULL: chat level
    kind            TEXT NOT NULL CHECK (kind IN ('include', 'exclude')),
    word            TEXT NOT NULL,                      -- as the chat wrote it
    created_at      REAL NOT NULL
);
CREATE UNIQUE INDEX filters_unique ON filters (chat_id, COALESCE(subscription_id, 0), kind, word);

-- The outbox. sort_key is the entry's publication time: the dispatcher sends in that order.
CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    story_id   INTEGER REFERENCES stories (id) ON DELETE SET NULL,
    entry_id   INTEGER REFERENCES entries (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('alert', 'folded', 'digest', 'notice', 'edit')),
    payload    TEXT NOT NULL,                           -- JSON of the message (storage.payloads)
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'held', 'sent', 'failed', 'digested')),
    sort_key   REAL NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    sent_at    REAL,
    message_id TEXT,
    error      TEXT
);
CREATE INDEX deliveries_queue ON deliveries (state, chat_id, sort_key, id);

-- The platform message each entry became in each chat, so a correction can edit it.
CREATE TABLE sent_messages (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    entry_id   INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    sent_at    REAL NOT NULL,
    PRIMARY KEY (chat_id, entry_id)
) WITHOUT ROWID;
