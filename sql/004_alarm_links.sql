-- 004_alarm_links.sql - linking an event to its alarm appends instead of
-- scattering: alarm_events is keyed by event, and each alarm keeps the range
-- of its event ids, so alarm.show still finds its events quickly.

ALTER TABLE alarms ADD COLUMN first_event_id INTEGER;
ALTER TABLE alarms ADD COLUMN last_event_id INTEGER;
UPDATE alarms SET
	first_event_id = (SELECT min(event_id) FROM alarm_events WHERE alarm_id = alarms.id),
	last_event_id = (SELECT max(event_id) FROM alarm_events WHERE alarm_id = alarms.id);

CREATE TABLE alarm_events_new (
	event_id	INTEGER NOT NULL REFERENCES events(id),
	alarm_id	INTEGER NOT NULL REFERENCES alarms(id),
	PRIMARY KEY (event_id, alarm_id)
) WITHOUT ROWID;
INSERT INTO alarm_events_new (event_id, alarm_id)
	SELECT event_id, alarm_id FROM alarm_events;
DROP TABLE alarm_events;
ALTER TABLE alarm_events_new RENAME TO alarm_events;
