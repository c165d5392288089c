-- 007_audit_chain.sql - the audit log becomes a hash chain (pcod-control(7), audit.verify).
-- Each row's hash is SHA-256 over the previous row's hash and the row's own
-- fields, in the encoding src/store_audit.c documents, as 64 lowercase hex
-- digits.  The rows written before this migration are chained by pcod at its
-- first start after it (store_audit_chain_old), in id order, in one transaction.
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE INDEX audit_unchained ON audit(id) WHERE hash IS NULL;

-- The one change still allowed: giving a row written before this migration
-- its hash, once, without touching anything else.  New rows carry theirs.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR NEW.id IS NOT OLD.id
    OR NEW.at_ms IS NOT OLD.at_ms OR NEW.actor IS NOT OLD.actor
    OR NEW.action IS NOT OLD.action OR NEW.object IS NOT OLD.object
    OR NEW.object_id IS NOT OLD.object_id OR NEW.reason IS NOT OLD.reason
    OR NEW.details IS NOT OLD.details
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Only appends: a new id above every other one, with its hash.  This refuses
-- INSERT OR REPLACE on an existing id before the REPLACE could delete it.
CREATE TRIGGER audit_append_only BEFORE INSERT ON audit
WHEN NEW.hash IS NULL OR NEW.id IS NULL
    OR NEW.id <= (SELECT coalesce(max(id), 0) FROM audit)
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only: a new row needs an id above all others and its hash');
END;
