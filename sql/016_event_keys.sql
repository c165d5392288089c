-- 016_event_keys.sql - event.list's account and class filters read a key
-- table written in bulk, not indexes kept up at every commit (issue 11,
-- tests/bench/PLAN.md "event_keys").  events_account and events_class took
-- a random leaf page per distinct account in every commit: at 64 panels of
-- one frame each they cost a fifth of the rate and doubled the ACK's p99.
-- The store adds the keys of the newest events every so many events (or
-- every second) in one statement, in key order (store.c, store_keys_step);
-- event_keys_upto says up to which event id that has been done, and
-- event.list finds the events above it by a scan of the table's tail.
-- sql/pg/016_event_keys.sql does the same on PostgreSQL.
CREATE TABLE event_keys (
	kind		INTEGER NOT NULL,	-- 0: the account, 1: the class
	key		TEXT NOT NULL,
	received_ms	INTEGER NOT NULL,
	id		INTEGER NOT NULL,	-- events.id
	PRIMARY KEY (kind, key, received_ms, id)
) WITHOUT ROWID;
CREATE TABLE event_keys_upto (
	one		INTEGER PRIMARY KEY CHECK (one = 1),
	upto		INTEGER NOT NULL	-- every event up to this id has its keys
);
INSERT INTO event_keys SELECT 0, account, received_ms, id FROM events
    ORDER BY 2, 3, 4;
INSERT INTO event_keys SELECT 1, class, received_ms, id FROM events
    ORDER BY 2, 3, 4;
INSERT INTO event_keys_upto SELECT 1, coalesce(max(id), 0) FROM events;
DROP INDEX events_account;
DROP INDEX events_class;
