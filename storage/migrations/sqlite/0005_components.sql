-- The health of the parts a running instance depends on beyond the database (the summary
-- endpoint), as its processes last saw it, for `storywatch status`. Process state, not
-- instance state: `db copy` leaves it behind, like leases.
CREATE TABLE components (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    since REAL,
    reason TEXT,
    updated_at REAL NOT NULL
);
