-- 003_alarm_indexes.sql - lighter writes on the alarm hot path, an index for
-- the statistics, and one current protocol per (site, class) in the schema.

-- Linking an event to its alarm is one B-tree insert, not two.
CREATE TABLE alarm_events_new (
	alarm_id	INTEGER NOT NULL REFERENCES alarms(id),
	event_id	INTEGER NOT NULL REFERENCES events(id),
	PRIMARY KEY (alarm_id, event_id)
) WITHOUT ROWID;
INSERT INTO alarm_events_new (alarm_id, event_id)
	SELECT alarm_id, event_id FROM alarm_events;
DROP TABLE alarm_events;
ALTER TABLE alarm_events_new RENAME TO alarm_events;

-- Open alarms have no closing time, alarms of unknown accounts no site:
-- neither needs an index entry.
DROP INDEX alarms_closed;
CREATE INDEX alarms_closed ON alarms(closed_ms) WHERE closed_ms IS NOT NULL;
DROP INDEX alarms_site;
CREATE INDEX alarms_site ON alarms(site_id, created_ms) WHERE site_id IS NOT NULL;

-- stats.handling selects alarms by when they were raised.
CREATE INDEX alarms_created ON alarms(created_ms);

-- The code refuses a second current protocol for the same site and class;
-- the schema now does too.
CREATE UNIQUE INDEX protocols_current ON protocols(ifnull(site_id, 0), ifnull(class, ''))
	WHERE current = 1;
