-- A delivery is claimed by its sender in a write transaction before it goes on the wire,
-- and only while it is still pending and due: a stale read, a second worker or a second
-- sender process then finds it taken and cannot send it again. Every outcome (sent,
-- failed, put off) clears the claim; a claim whose sender died runs out at its time.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claim_until REAL;
