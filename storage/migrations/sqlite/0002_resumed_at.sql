-- When a retired story was followed again: it is quiet only from then on, not from its
-- last update (which made a resumed story retire again at the next housekeeping tick).
ALTER TABLE stories ADD COLUMN resumed_at REAL;
