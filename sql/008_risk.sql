-- 008_risk.sql - site risk assessments (issue 10), versioned like protocols,
-- and what an alarm got from the one in force when it was raised.

-- One assessment of a site: the document as given (inputs) and what pcod
-- computed from it (result), both JSON.  Versions are immutable; a new
-- assessment adds a version and the older ones stay, not current.
CREATE TABLE risk_assessments (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	version		INTEGER NOT NULL,
	current		INTEGER NOT NULL DEFAULT 1,
	assessed_by	TEXT NOT NULL,			-- the assessor named in the document
	assessed_ms	INTEGER NOT NULL,
	valid_until_ms	INTEGER,			-- NULL: no expiry given
	doc		TEXT NOT NULL,			-- the inputs (JSON)
	result		TEXT NOT NULL,			-- the computed result (JSON)
	created_by	TEXT NOT NULL,			-- the login that recorded it
	created_ms	INTEGER NOT NULL,
	UNIQUE (site_id, version)
);
CREATE INDEX risk_current ON risk_assessments(site_id, current);

-- The centre's tables for the point method and the Z category mapping;
-- versioned, the built-in default applies while there is none.
CREATE TABLE risk_tables (
	id		INTEGER PRIMARY KEY,
	version		INTEGER NOT NULL UNIQUE,
	current		INTEGER NOT NULL DEFAULT 1,
	doc		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created_ms	INTEGER NOT NULL
);

-- What an alarm got from its site's assessment when it was raised (kept
-- when a new assessment comes): the version, why its priority and
-- deadlines differ, and the time-balance dispatch deadline.
ALTER TABLE alarms ADD COLUMN risk_id INTEGER;		-- risk_assessments.id, NULL none
ALTER TABLE alarms ADD COLUMN priority_reason TEXT;
ALTER TABLE alarms ADD COLUMN dispatch_deadline_ms INTEGER;

-- A dispatch step never falls due later than its alarm's dispatch deadline:
-- taking the alarm sets the steps' deadlines from the take, and this caps
-- the dispatch steps at the deadline the time balance gave at the raise.
CREATE TRIGGER alarm_steps_dispatch_cap AFTER UPDATE OF deadline_ms ON alarm_steps
WHEN NEW.action = 'dispatch' AND NEW.deadline_ms IS NOT NULL
    AND NEW.deadline_ms > (SELECT dispatch_deadline_ms FROM alarms
	WHERE id = NEW.alarm_id)
BEGIN
	UPDATE alarm_steps SET deadline_ms = (SELECT dispatch_deadline_ms
	    FROM alarms WHERE id = NEW.alarm_id)
	    WHERE alarm_id = NEW.alarm_id AND position = NEW.position;
END;

-- A protocol may apply to the sites of a risk band ("pnh:II", centre-wide):
-- chosen after the site's own protocols and before the centre-wide ones.
ALTER TABLE protocols ADD COLUMN band TEXT;
-- One current protocol per site, class and band.
DROP INDEX protocols_current;
CREATE UNIQUE INDEX protocols_current ON protocols(ifnull(site_id, 0),
	ifnull(class, ''), ifnull(band, '')) WHERE current = 1;
