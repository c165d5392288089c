-- 006_unknown_accounts.sql - events from unknown accounts stack onto one
-- alarm (kind 'unknown_accounts'), which counts the distinct accounts it
-- has seen and, per account, its events, so that a flood of spoofed
-- accounts is one alarm that still tells an operator who was sending.

ALTER TABLE alarms ADD COLUMN accounts INTEGER;		-- distinct accounts seen; NULL other kinds

CREATE TABLE alarm_accounts (
	alarm_id	INTEGER NOT NULL REFERENCES alarms(id),
	account		TEXT NOT NULL,
	count		INTEGER NOT NULL,		-- its events stacked on the alarm
	first_ms	INTEGER NOT NULL,
	last_ms		INTEGER NOT NULL,
	PRIMARY KEY (alarm_id, account)
) WITHOUT ROWID;
