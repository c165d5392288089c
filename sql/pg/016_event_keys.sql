-- 016_event_keys.sql (PostgreSQL) - event.list's account and class filters
-- read a key table written in bulk; see sql/016_event_keys.sql.
CREATE TABLE event_keys (
	kind		SMALLINT NOT NULL,
	key		TEXT NOT NULL,
	received_ms	BIGINT NOT NULL,
	id		BIGINT NOT NULL,
	PRIMARY KEY (kind, key, received_ms, id)
);
CREATE TABLE event_keys_upto (
	one		INTEGER PRIMARY KEY CHECK (one = 1),
	upto		BIGINT NOT NULL
);
INSERT INTO event_keys SELECT 0, account, received_ms, id FROM events;
INSERT INTO event_keys SELECT 1, class, received_ms, id FROM events;
INSERT INTO event_keys_upto SELECT 1, coalesce(max(id), 0) FROM events;
DROP INDEX events_account;
DROP INDEX events_class;
