-- 009_patrol.sql - guard patrols: guards, routes (versioned JSON documents),
-- the holiday calendar, check-ins as received, the failures raised as
-- alarms, and observations (threat assessment).  Times are UTC ms.

CREATE TABLE guards (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	active		INTEGER NOT NULL DEFAULT 1,
	created_ms	INTEGER NOT NULL,
	updated_ms	INTEGER NOT NULL
);

-- Badges and devices that identify a guard (a terminal's or phone's id, an
-- RFID badge read at the start of a shift).
CREATE TABLE guard_ids (
	ident		TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
	guard_id	INTEGER NOT NULL REFERENCES guards(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('device', 'tag'))
) WITHOUT ROWID;
CREATE INDEX guard_ids_guard ON guard_ids(guard_id);

-- The sites a guard may patrol.
CREATE TABLE guard_sites (
	guard_id	INTEGER NOT NULL REFERENCES guards(id) ON DELETE CASCADE,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	PRIMARY KEY (guard_id, site_id)
) WITHOUT ROWID;

-- The centre's public holidays: such a date is the `holiday` day.
CREATE TABLE patrol_holidays (
	date		TEXT NOT NULL PRIMARY KEY,	-- "2026-12-24"
	name		TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Routes: versions are immutable; the rounds walked under an old version
-- keep it (check-ins name the version row they were judged under).
CREATE TABLE patrol_routes (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	version		INTEGER NOT NULL,
	current		INTEGER NOT NULL DEFAULT 1,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	doc		TEXT NOT NULL,			-- the route document, JSON
	created_by	TEXT NOT NULL,
	created_ms	INTEGER NOT NULL,
	retired_ms	INTEGER,
	UNIQUE (name, version)
);
CREATE INDEX patrol_routes_site ON patrol_routes(site_id, current);

-- DC-09 accounts that are patrol terminals or guard phones, and how their
-- events carry a tag read, a panic and a man-down (pcod-control(7)).
CREATE TABLE patrol_terminals (
	account		TEXT NOT NULL PRIMARY KEY,
	map		TEXT NOT NULL			-- JSON: codes and fields
) WITHOUT ROWID;

-- Every check-in as received; never dropped, unknown tags and guards
-- flagged.  dedup makes the same scan sent twice one row.
CREATE TABLE patrol_checkins (
	id		INTEGER PRIMARY KEY,
	received_ms	INTEGER NOT NULL,
	scan_ms		INTEGER NOT NULL,		-- device time, capped to received_ms
	source		TEXT NOT NULL,			-- dc09, socket
	kind		TEXT NOT NULL DEFAULT 'scan',	-- scan, panic, man_down
	account		TEXT,				-- DC-09 account
	device		TEXT NOT NULL DEFAULT '',
	tag		TEXT NOT NULL DEFAULT '',
	guard_ref	TEXT NOT NULL DEFAULT '',	-- the guard as the device named him
	guard_id	INTEGER,			-- NULL: unknown guard
	site_id		INTEGER,
	route_id	INTEGER,			-- route version row; NULL none
	checkpoint	INTEGER,			-- index on that route; NULL none
	unknown_tag	INTEGER NOT NULL DEFAULT 0,
	unknown_guard	INTEGER NOT NULL DEFAULT 0,
	not_allowed	INTEGER NOT NULL DEFAULT 0,	-- a known guard, inactive or not linked to the site
	lat		REAL,
	lon		REAL,
	event_id	INTEGER,			-- the DC-09 event it came in
	entered_by	TEXT NOT NULL DEFAULT '',	-- the console's login (socket)
	dedup		TEXT NOT NULL UNIQUE
);
CREATE INDEX patrol_checkins_site ON patrol_checkins(site_id, scan_ms);
CREATE INDEX patrol_checkins_guard ON patrol_checkins(guard_id, scan_ms);

-- One row per failure of a shift ever raised: restart-safe raise/restore.
CREATE TABLE patrol_findings (
	route		TEXT NOT NULL,			-- route name
	shift_ms	INTEGER NOT NULL,		-- the shift's start
	fkey		TEXT NOT NULL,			-- the engine's stable key
	site_id		INTEGER,
	kind		TEXT NOT NULL,			-- cp_late, round_missed, ...
	text		TEXT NOT NULL,
	guard_id	INTEGER,
	checkpoint	INTEGER,
	round		INTEGER,
	alarm_id	INTEGER,
	raised_ms	INTEGER NOT NULL,
	restored_ms	INTEGER,			-- NULL: failing now
	PRIMARY KEY (route, shift_ms, fkey)
) WITHOUT ROWID;

-- Observations: the threat assessment of the security plan.
CREATE TABLE patrol_observations (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	checkpoint	TEXT NOT NULL DEFAULT '',
	guard_id	INTEGER,
	at_ms		INTEGER NOT NULL,
	deviation	TEXT NOT NULL,			-- what deviated from normal
	adversary	INTEGER NOT NULL DEFAULT 0,	-- matches how an adversary prepares
	talk		TEXT NOT NULL DEFAULT '',	-- outcome of talking to the person
	verdict		TEXT NOT NULL CHECK (verdict IN ('threat', 'no_threat')),
	alarm_id	INTEGER,
	recorded_by	TEXT NOT NULL,
	created_ms	INTEGER NOT NULL
);
CREATE INDEX patrol_observations_site ON patrol_observations(site_id, at_ms);
