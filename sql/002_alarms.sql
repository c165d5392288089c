-- 002_alarms.sql - sites, handling protocols, alarms, operators, the audit log.
-- Times: *_ms are wall-clock UTC milliseconds; *_s are durations in seconds.

-- A guarded site: it owns panel accounts, zones, contacts and response units.
CREATE TABLE sites (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	address		TEXT NOT NULL DEFAULT '',
	timezone	TEXT NOT NULL DEFAULT 'UTC',
	notes		TEXT NOT NULL DEFAULT '',
	instructions	TEXT NOT NULL DEFAULT '',
	code_word	TEXT NOT NULL DEFAULT '',
	priority_boost	INTEGER NOT NULL DEFAULT 0,	-- raises the site's alarms by this many levels
	created_ms	INTEGER NOT NULL,
	updated_ms	INTEGER NOT NULL
);

ALTER TABLE accounts ADD COLUMN site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN supervision_s INTEGER NOT NULL DEFAULT 0;	-- 0: not supervised
ALTER TABLE accounts ADD COLUMN last_seen_ms INTEGER;				-- last sign of life
CREATE INDEX accounts_site ON accounts(site_id);

CREATE TABLE zones (
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	number		INTEGER NOT NULL,
	name		TEXT NOT NULL DEFAULT '',
	location	TEXT NOT NULL DEFAULT '',
	type		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (site_id, number)
);

-- The ordered call list: contacts and keyholders.
CREATE TABLE contacts (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	position	INTEGER NOT NULL,
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	role		TEXT NOT NULL DEFAULT '',
	keyholder	INTEGER NOT NULL DEFAULT 0,
	UNIQUE (site_id, position)
);

-- Guard service, police, fire brigade...: who is sent, and how fast they must be.
CREATE TABLE units (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL,		-- guard, police, fire, medical, technician, other
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	response_s	INTEGER NOT NULL DEFAULT 0	-- agreed response time
);
CREATE INDEX units_site ON units(site_id);

-- Handling protocols: versions are immutable; a change adds a version and
-- the alarms raised under an older one keep it.
CREATE TABLE protocols (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	version		INTEGER NOT NULL,
	current		INTEGER NOT NULL DEFAULT 1,	-- the version in force
	site_id		INTEGER REFERENCES sites(id) ON DELETE CASCADE,	-- NULL: centre-wide
	class		TEXT,				-- NULL: every class
	approved_by	TEXT NOT NULL DEFAULT '',	-- who on the client's side agreed it
	approved_ms	INTEGER,
	created_by	TEXT NOT NULL,
	created_ms	INTEGER NOT NULL,
	UNIQUE (name, version)
);
CREATE INDEX protocols_lookup ON protocols(current, site_id, class);

CREATE TABLE protocol_steps (
	protocol_id	INTEGER NOT NULL REFERENCES protocols(id),
	position	INTEGER NOT NULL,
	action		TEXT NOT NULL,		-- call, dispatch, notify, verify, text
	target		TEXT NOT NULL DEFAULT '',	-- contact position, unit id, or free text
	text		TEXT NOT NULL DEFAULT '',
	deadline_s	INTEGER NOT NULL,	-- from the moment the alarm is taken
	PRIMARY KEY (protocol_id, position)
);

CREATE TABLE operators (
	id		INTEGER PRIMARY KEY,
	login		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL DEFAULT '',
	role		TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
	pw_hash		TEXT NOT NULL,		-- "$scrypt$N$r$p$salt$hash" (base64)
	disabled	INTEGER NOT NULL DEFAULT 0,
	created_ms	INTEGER NOT NULL
);

-- An alarm: work for an operator.  Events of the same site, zone and class
-- stack onto an open alarm.
CREATE TABLE alarms (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER REFERENCES sites(id) ON DELETE SET NULL,
	account		TEXT NOT NULL,
	zone		INTEGER,			-- NULL none
	class		TEXT NOT NULL,
	kind		TEXT NOT NULL DEFAULT 'event',	-- event, comm_fail, system
	priority	INTEGER NOT NULL,		-- 1 highest
	state		TEXT NOT NULL CHECK (state IN ('new', 'taken', 'closed')),
	restored	INTEGER NOT NULL DEFAULT 0,
	escalated	INTEGER NOT NULL DEFAULT 0,	-- escalation level reached
	count		INTEGER NOT NULL DEFAULT 1,	-- events stacked
	text		TEXT NOT NULL DEFAULT '',
	first_ms	INTEGER NOT NULL,
	last_ms		INTEGER NOT NULL,
	created_ms	INTEGER NOT NULL,
	protocol_id	INTEGER REFERENCES protocols(id),	-- the version in force when raised
	take_deadline_ms INTEGER,
	next_deadline_ms INTEGER,			-- earliest open deadline; NULL none
	taken_by	TEXT,
	taken_ms	INTEGER,
	closed_by	TEXT,
	closed_ms	INTEGER,
	resolution	TEXT,
	resolution_note	TEXT
);
CREATE INDEX alarms_queue ON alarms(state, priority, created_ms);
CREATE INDEX alarms_deadline ON alarms(next_deadline_ms) WHERE state <> 'closed';
CREATE INDEX alarms_site ON alarms(site_id, created_ms);
CREATE INDEX alarms_closed ON alarms(closed_ms);

CREATE TABLE alarm_events (
	alarm_id	INTEGER NOT NULL REFERENCES alarms(id),
	event_id	INTEGER NOT NULL REFERENCES events(id),
	PRIMARY KEY (alarm_id, event_id)
);

-- The steps of an alarm's protocol version, with their outcome.
CREATE TABLE alarm_steps (
	alarm_id	INTEGER NOT NULL REFERENCES alarms(id),
	position	INTEGER NOT NULL,
	action		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	text		TEXT NOT NULL DEFAULT '',
	deadline_s	INTEGER NOT NULL,
	deadline_ms	INTEGER,			-- set when the alarm is taken
	escalated	INTEGER NOT NULL DEFAULT 0,
	done_ms		INTEGER,
	done_by		TEXT,
	outcome		TEXT,
	PRIMARY KEY (alarm_id, position)
);

-- Append-only: who did what, when and why.  The triggers refuse every change.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	at_ms		INTEGER NOT NULL,
	actor		TEXT NOT NULL,		-- operator login, "uid:0", or "pcod"
	action		TEXT NOT NULL,		-- "alarm.take", "site.update", ...
	object		TEXT NOT NULL DEFAULT '',	-- "alarm", "site", ...
	object_id	TEXT NOT NULL DEFAULT '',
	reason		TEXT NOT NULL DEFAULT '',
	details		TEXT				-- JSON
);
CREATE INDEX audit_object ON audit(object, object_id, id);
CREATE INDEX audit_at ON audit(at_ms);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
