-- Leases for many processes on one database (used on PostgreSQL; SQLite is one process and
-- leaves them NULL, but keeps the same columns so both series stay alike and `db copy` maps
-- them one to one). A checker leases the due stories it checks; a sender claims the chats
-- whose outbox it drains. A lease runs out at its time: a dead process's work is taken over.
ALTER TABLE stories ADD COLUMN leased_by TEXT;
ALTER TABLE stories ADD COLUMN lease_until DOUBLE PRECISION;
ALTER TABLE chats ADD COLUMN claimed_by TEXT;
ALTER TABLE chats ADD COLUMN claim_until DOUBLE PRECISION;
