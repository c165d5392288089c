-- 011_retention.sql - retention (pcod.conf(5) "retention"): old rows may be
-- purged, and the audit log keeps its chain verifiable across a purge.
--
-- The anchor: the id and stored hash of the newest audit row ever purged.
-- audit.verify starts from it instead of from "" (pcod-control(7)), so the
-- rows left still prove they follow the purged ones.  One row, moving only
-- forward, and only onto a row that exists with that very hash.
CREATE TABLE audit_anchor (
	one		INTEGER PRIMARY KEY CHECK (one = 1),
	last_id		INTEGER NOT NULL,	-- newest purged audit id
	last_hash	TEXT NOT NULL,		-- its stored hash
	purged		INTEGER NOT NULL DEFAULT 0,	-- rows purged so far
	at_ms		INTEGER NOT NULL	-- when the anchor last moved
);
CREATE TRIGGER audit_anchor_insert BEFORE INSERT ON audit_anchor
WHEN NEW.last_hash IS NOT (SELECT hash FROM audit WHERE id = NEW.last_id)
BEGIN
	SELECT RAISE(ABORT, 'the audit anchor must name a stored row and its hash');
END;
CREATE TRIGGER audit_anchor_update BEFORE UPDATE ON audit_anchor
WHEN NEW.last_id <= OLD.last_id OR NEW.one IS NOT OLD.one
    OR NEW.last_hash IS NOT (SELECT hash FROM audit WHERE id = NEW.last_id)
BEGIN
	SELECT RAISE(ABORT, 'the audit anchor only moves forward, onto a stored row and its hash');
END;
CREATE TRIGGER audit_anchor_delete BEFORE DELETE ON audit_anchor
BEGIN
	SELECT RAISE(ABORT, 'the audit anchor cannot be removed');
END;

-- A row may go only once the anchor has passed it: purges take a prefix.
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.id > coalesce((SELECT last_id FROM audit_anchor), 0)
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: only rows up to the anchor may be purged');
END;

-- Appends stay above every id ever used, purged ones included.
DROP TRIGGER audit_append_only;
CREATE TRIGGER audit_append_only BEFORE INSERT ON audit
WHEN NEW.hash IS NULL OR NEW.id IS NULL
    OR NEW.id <= (SELECT coalesce(max(id), 0) FROM audit)
    OR NEW.id <= coalesce((SELECT last_id FROM audit_anchor), 0)
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: a new row needs an id above all others and its hash');
END;

-- The purge walks closed alarms by closing time (alarms_closed), patrol
-- check-ins by id, and the findings of old shifts by their start.
CREATE INDEX patrol_findings_shift ON patrol_findings(shift_ms);
