-- 012_baseline.sql - the PostgreSQL schema, equal to the SQLite schema at
-- version 12 (sql/001..012 applied in order): a fresh PostgreSQL database
-- goes straight to version 12; later migrations exist for both engines.
--
-- Differences from SQLite, with the same effect for the store:
--   - INTEGER is BIGINT, REAL is DOUBLE PRECISION, BLOB is BYTEA;
--     INTEGER PRIMARY KEY is an identity column (audit.id is a plain key:
--     the store always gives it, and the trigger checks it);
--   - WITHOUT ROWID tables are ordinary tables; COLLATE NOCASE is the
--     nondeterministic ICU collation "nocase";
--   - the triggers are PL/pgSQL; their refusals raise SQLSTATE 23514
--     (check_violation), a constraint error like SQLite's RAISE(ABORT);
--   - the version is the row of schema_version, not PRAGMA user_version;
--   - the SQLite functions the store uses exist below (db.h).

CREATE TABLE schema_version (
	one		BIGINT PRIMARY KEY CHECK (one = 1),
	version		BIGINT NOT NULL
);

CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2',
	deterministic = false);

-- SQLite's functions, as the store calls them -------------------------------

-- Two-argument max() and min(): NULL when either is NULL, as in SQLite.
CREATE FUNCTION max(a BIGINT, b BIGINT) RETURNS BIGINT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE greatest(a, b) END;
CREATE FUNCTION min(a BIGINT, b BIGINT) RETURNS BIGINT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE least(a, b) END;
CREATE FUNCTION max(a DOUBLE PRECISION, b DOUBLE PRECISION) RETURNS DOUBLE PRECISION
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE greatest(a, b) END;
CREATE FUNCTION min(a DOUBLE PRECISION, b DOUBLE PRECISION) RETURNS DOUBLE PRECISION
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE least(a, b) END;

-- The node of doc at a SQLite JSON path: '$', then '.key' and '[N]' steps.
CREATE FUNCTION pcod_json_node(doc TEXT, path TEXT) RETURNS JSONB
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	IF doc IS NULL OR path IS NULL THEN
		RETURN NULL;
	END IF;
	IF left(path, 1) <> '$' THEN
		RAISE EXCEPTION 'JSON path error near ''%''', path
			USING ERRCODE = '22023';
	END IF;
	RETURN doc::jsonb #> array_remove(regexp_split_to_array(
		regexp_replace(substr(path, 2), '\[(\d+)\]', '.\1', 'g'), '\.'), '');
END $$;

-- json_extract(doc, '$.a.b'): a string unquoted, a number as its text, true
-- and false as 1 and 0, an object or array as JSON text, null or missing
-- as NULL.
CREATE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE jsonb_typeof(pcod_json_node(doc, path))
	    WHEN 'boolean' THEN
		CASE WHEN pcod_json_node(doc, path) = 'true'::jsonb THEN '1' ELSE '0' END
	    WHEN 'object' THEN pcod_json_node(doc, path)::text
	    WHEN 'array' THEN pcod_json_node(doc, path)::text
	    ELSE pcod_json_node(doc, path) #>> '{}' END;

-- ifnull(): coalesce() under SQLite's other name, for the usual types.
CREATE FUNCTION ifnull(a BIGINT, b BIGINT) RETURNS BIGINT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN coalesce(a, b);
CREATE FUNCTION ifnull(a TEXT, b TEXT) RETURNS TEXT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN coalesce(a, b);
CREATE FUNCTION ifnull(a DOUBLE PRECISION, b DOUBLE PRECISION)
	RETURNS DOUBLE PRECISION
	LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN coalesce(a, b);

-- json_array_length(doc [, path]): 0 for a non-array, NULL for no such path.
CREATE FUNCTION json_array_length(doc TEXT, path TEXT) RETURNS BIGINT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN pcod_json_node(doc, path) IS NULL THEN NULL
	    WHEN jsonb_typeof(pcod_json_node(doc, path)) = 'array'
	    THEN jsonb_array_length(pcod_json_node(doc, path)) ELSE 0 END;
CREATE FUNCTION json_array_length(doc TEXT) RETURNS BIGINT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN json_array_length(doc, '$');

-- json_group_array(x): the values as a JSON array, '[]' for no rows.
CREATE FUNCTION pcod_json_group_step(acc JSONB, x ANYELEMENT) RETURNS JSONB
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS 'SELECT acc || jsonb_build_array(x)';
CREATE FUNCTION pcod_json_group_final(acc JSONB) RETURNS TEXT
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN acc::text;
CREATE AGGREGATE json_group_array(ANYELEMENT) (
	SFUNC = pcod_json_group_step,
	STYPE = JSONB,
	FINALFUNC = pcod_json_group_final,
	INITCOND = '[]'
);
-- A jsonb element (json_object's result) nests as JSON, as in SQLite.
CREATE AGGREGATE json_group_array(JSONB) (
	SFUNC = pcod_json_group_step,
	STYPE = JSONB,
	FINALFUNC = pcod_json_group_final,
	INITCOND = '[]'
);

-- json_object(k1, v1 [, k2, v2]) for values of type bigint, text or double
-- precision (SQL functions cannot take "any"): one overload per shape.
DO $$
DECLARE
	t1	text;
	t2	text;
	types	text[] := ARRAY['bigint', 'text', 'double precision'];
BEGIN
	FOREACH t1 IN ARRAY types LOOP
		EXECUTE format('CREATE FUNCTION json_object(k1 text, v1 %s)'
		    ' RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE'
		    ' RETURN jsonb_build_object(k1, v1)', t1);
		FOREACH t2 IN ARRAY types LOOP
			EXECUTE format('CREATE FUNCTION json_object(k1 text, v1 %s,'
			    ' k2 text, v2 %s) RETURNS jsonb LANGUAGE sql'
			    ' IMMUTABLE PARALLEL SAFE'
			    ' RETURN jsonb_build_object(k1, v1, k2, v2)', t1, t2);
		END LOOP;
	END LOOP;
END $$;

-- strftime(fmt, seconds, 'unixepoch') for %Y %m %d %H %M %S %%, in UTC.
CREATE FUNCTION strftime(fmt TEXT, secs BIGINT, modifier TEXT) RETURNS TEXT
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	t	timestamp;
BEGIN
	IF fmt IS NULL OR secs IS NULL THEN
		RETURN NULL;
	END IF;
	IF modifier IS DISTINCT FROM 'unixepoch' THEN
		RAISE EXCEPTION 'strftime: only the unixepoch modifier is supported'
			USING ERRCODE = '22023';
	END IF;
	t := to_timestamp(secs) AT TIME ZONE 'UTC';
	RETURN replace(replace(replace(replace(replace(replace(replace(
	    replace(fmt, '%%', chr(1)),
	    '%Y', to_char(t, 'YYYY')), '%m', to_char(t, 'MM')),
	    '%d', to_char(t, 'DD')), '%H', to_char(t, 'HH24')),
	    '%M', to_char(t, 'MI')), '%S', to_char(t, 'SS')), chr(1), '%');
END $$;

-- 001: accounts, frames, events ----------------------------------------------

CREATE TABLE sites (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	address		TEXT NOT NULL DEFAULT '',
	timezone	TEXT NOT NULL DEFAULT 'UTC',
	notes		TEXT NOT NULL DEFAULT '',
	instructions	TEXT NOT NULL DEFAULT '',
	code_word	TEXT NOT NULL DEFAULT '',
	priority_boost	BIGINT NOT NULL DEFAULT 0,
	created_ms	BIGINT NOT NULL,
	updated_ms	BIGINT NOT NULL
);

CREATE TABLE accounts (
	account		TEXT PRIMARY KEY,
	key		TEXT NOT NULL DEFAULT '',
	name		TEXT NOT NULL DEFAULT '',
	created_ms	BIGINT NOT NULL,
	site_id		BIGINT REFERENCES sites(id) ON DELETE SET NULL,
	supervision_s	BIGINT NOT NULL DEFAULT 0,
	last_seen_ms	BIGINT,
	next_key	TEXT NOT NULL DEFAULT '',
	plaintext	BIGINT NOT NULL DEFAULT 0,
	plain_clock	BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_site ON accounts(site_id);

CREATE TABLE frames (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	received_ms	BIGINT NOT NULL,
	transport	TEXT NOT NULL,
	peer		TEXT NOT NULL,
	account		TEXT NOT NULL,
	token		TEXT NOT NULL,
	encrypted	BIGINT NOT NULL DEFAULT 0,
	seq		BIGINT NOT NULL,
	rcvr		TEXT NOT NULL DEFAULT '',
	line		TEXT NOT NULL DEFAULT '',
	raw		BYTEA NOT NULL,
	data		TEXT,
	xdata		TEXT,
	panel_time	BIGINT,
	unknown_account	BIGINT NOT NULL DEFAULT 0,
	digest		TEXT,
	ext		TEXT
);
CREATE INDEX frames_retransmit ON frames(account, seq, received_ms);

CREATE TABLE events (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	frame_id	BIGINT REFERENCES frames(id),
	account		TEXT NOT NULL,
	received_ms	BIGINT NOT NULL,
	panel_time	BIGINT,
	format		TEXT NOT NULL,
	code		TEXT NOT NULL,
	qual		TEXT NOT NULL,
	class		TEXT NOT NULL,
	text		TEXT NOT NULL DEFAULT '',
	zone		BIGINT,
	"user"		BIGINT,
	"partition"	BIGINT,
	known		BIGINT NOT NULL DEFAULT 1,
	unknown_account	BIGINT NOT NULL DEFAULT 0,
	event_time	BIGINT,
	name		TEXT NOT NULL DEFAULT '',
	note		TEXT NOT NULL DEFAULT '',
	peripheral	BIGINT
);
CREATE INDEX events_received ON events(received_ms);
CREATE INDEX events_account ON events(account, received_ms);
CREATE INDEX events_class ON events(class, received_ms);
CREATE INDEX events_frame ON events(frame_id);

-- 002..008: sites, protocols, operators, alarms, the audit log ---------------

CREATE TABLE zones (
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	number		BIGINT NOT NULL,
	name		TEXT NOT NULL DEFAULT '',
	location	TEXT NOT NULL DEFAULT '',
	type		TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (site_id, number)
);

CREATE TABLE contacts (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	position	BIGINT NOT NULL,
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	role		TEXT NOT NULL DEFAULT '',
	keyholder	BIGINT NOT NULL DEFAULT 0,
	UNIQUE (site_id, position)
);

CREATE TABLE units (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL,
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	response_s	BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX units_site ON units(site_id);

CREATE TABLE protocols (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL,
	version		BIGINT NOT NULL,
	current		BIGINT NOT NULL DEFAULT 1,
	site_id		BIGINT REFERENCES sites(id) ON DELETE CASCADE,
	class		TEXT,
	approved_by	TEXT NOT NULL DEFAULT '',
	approved_ms	BIGINT,
	created_by	TEXT NOT NULL,
	created_ms	BIGINT NOT NULL,
	band		TEXT,
	UNIQUE (name, version)
);
CREATE INDEX protocols_lookup ON protocols(current, site_id, class);
CREATE UNIQUE INDEX protocols_current ON protocols(coalesce(site_id, 0),
	coalesce(class, ''), coalesce(band, '')) WHERE current = 1;

CREATE TABLE protocol_steps (
	protocol_id	BIGINT NOT NULL REFERENCES protocols(id),
	position	BIGINT NOT NULL,
	action		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	text		TEXT NOT NULL DEFAULT '',
	deadline_s	BIGINT NOT NULL,
	PRIMARY KEY (protocol_id, position)
);

CREATE TABLE operators (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	login		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL DEFAULT '',
	role		TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
	pw_hash		TEXT NOT NULL,
	disabled	BIGINT NOT NULL DEFAULT 0,
	created_ms	BIGINT NOT NULL
);

CREATE TABLE alarms (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	site_id		BIGINT REFERENCES sites(id) ON DELETE SET NULL,
	account		TEXT NOT NULL,
	zone		BIGINT,
	class		TEXT NOT NULL,
	kind		TEXT NOT NULL DEFAULT 'event',
	priority	BIGINT NOT NULL,
	state		TEXT NOT NULL CHECK (state IN ('new', 'taken', 'closed')),
	restored	BIGINT NOT NULL DEFAULT 0,
	escalated	BIGINT NOT NULL DEFAULT 0,
	count		BIGINT NOT NULL DEFAULT 1,
	text		TEXT NOT NULL DEFAULT '',
	first_ms	BIGINT NOT NULL,
	last_ms		BIGINT NOT NULL,
	created_ms	BIGINT NOT NULL,
	protocol_id	BIGINT REFERENCES protocols(id),
	take_deadline_ms BIGINT,
	next_deadline_ms BIGINT,
	taken_by	TEXT,
	taken_ms	BIGINT,
	closed_by	TEXT,
	closed_ms	BIGINT,
	resolution	TEXT,
	resolution_note	TEXT,
	first_event_id	BIGINT,
	last_event_id	BIGINT,
	accounts	BIGINT,
	risk_id		BIGINT,
	priority_reason	TEXT,
	dispatch_deadline_ms BIGINT
);
CREATE INDEX alarms_queue ON alarms(state, priority, created_ms);
CREATE INDEX alarms_deadline ON alarms(next_deadline_ms) WHERE state <> 'closed';
CREATE INDEX alarms_closed ON alarms(closed_ms) WHERE closed_ms IS NOT NULL;
CREATE INDEX alarms_site ON alarms(site_id, created_ms) WHERE site_id IS NOT NULL;
CREATE INDEX alarms_created ON alarms(created_ms);

CREATE TABLE alarm_events (
	event_id	BIGINT NOT NULL REFERENCES events(id),
	alarm_id	BIGINT NOT NULL REFERENCES alarms(id),
	PRIMARY KEY (event_id, alarm_id)
);

CREATE TABLE alarm_steps (
	alarm_id	BIGINT NOT NULL REFERENCES alarms(id),
	position	BIGINT NOT NULL,
	action		TEXT NOT NULL,
	target		TEXT NOT NULL DEFAULT '',
	text		TEXT NOT NULL DEFAULT '',
	deadline_s	BIGINT NOT NULL,
	deadline_ms	BIGINT,
	escalated	BIGINT NOT NULL DEFAULT 0,
	done_ms		BIGINT,
	done_by		TEXT,
	outcome		TEXT,
	PRIMARY KEY (alarm_id, position)
);

CREATE TABLE alarm_accounts (
	alarm_id	BIGINT NOT NULL REFERENCES alarms(id),
	account		TEXT NOT NULL,
	count		BIGINT NOT NULL,
	first_ms	BIGINT NOT NULL,
	last_ms		BIGINT NOT NULL,
	PRIMARY KEY (alarm_id, account)
);

-- A dispatch step never falls due later than its alarm's dispatch
-- deadline (SQLite: an AFTER UPDATE OF deadline_ms trigger that rewrites
-- the row; here the row is capped before it is written).
CREATE FUNCTION alarm_steps_dispatch_cap() RETURNS trigger
	LANGUAGE plpgsql AS $$
DECLARE
	cap	bigint;
BEGIN
	IF NEW.action = 'dispatch' AND NEW.deadline_ms IS NOT NULL THEN
		SELECT dispatch_deadline_ms INTO cap FROM alarms
			WHERE id = NEW.alarm_id;
		IF NEW.deadline_ms > cap THEN
			NEW.deadline_ms := cap;
		END IF;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER alarm_steps_dispatch_cap BEFORE UPDATE OF deadline_ms
	ON alarm_steps FOR EACH ROW EXECUTE FUNCTION alarm_steps_dispatch_cap();

CREATE TABLE audit (
	id		BIGINT PRIMARY KEY,
	at_ms		BIGINT NOT NULL,
	actor		TEXT NOT NULL,
	action		TEXT NOT NULL,
	object		TEXT NOT NULL DEFAULT '',
	object_id	TEXT NOT NULL DEFAULT '',
	reason		TEXT NOT NULL DEFAULT '',
	details		TEXT,
	hash		TEXT
);
CREATE INDEX audit_object ON audit(object, object_id, id);
CREATE INDEX audit_at ON audit(at_ms);
CREATE INDEX audit_unchained ON audit(id) WHERE hash IS NULL;

CREATE TABLE audit_anchor (
	one		BIGINT PRIMARY KEY CHECK (one = 1),
	last_id		BIGINT NOT NULL,
	last_hash	TEXT NOT NULL,
	purged		BIGINT NOT NULL DEFAULT 0,
	at_ms		BIGINT NOT NULL
);

-- The audit log's triggers (007, 011): appends only, above every id ever
-- used and with a hash; an unchained row may get its hash once; rows go
-- only up to the anchor, which only moves forward onto a stored row.
CREATE FUNCTION audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	anchor	bigint;
BEGIN
	SELECT last_id INTO anchor FROM audit_anchor;
	anchor := coalesce(anchor, 0);
	IF TG_OP = 'INSERT' THEN
		IF NEW.hash IS NULL OR NEW.id IS NULL
		    OR NEW.id <= (SELECT coalesce(max(id), 0) FROM audit)
		    OR NEW.id <= anchor THEN
			RAISE EXCEPTION 'the audit log is append-only: a new row needs an id above all others and its hash'
				USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	ELSIF TG_OP = 'UPDATE' THEN
		IF OLD.hash IS NOT NULL OR NEW.hash IS NULL
		    OR (NEW.id, NEW.at_ms, NEW.actor, NEW.action, NEW.object,
			NEW.object_id, NEW.reason, NEW.details)
		    IS DISTINCT FROM (OLD.id, OLD.at_ms, OLD.actor, OLD.action,
			OLD.object, OLD.object_id, OLD.reason, OLD.details) THEN
			RAISE EXCEPTION 'the audit log is append-only'
				USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	ELSIF TG_OP = 'DELETE' THEN
		IF OLD.id > anchor THEN
			RAISE EXCEPTION 'the audit log is append-only: only rows up to the anchor may be purged'
				USING ERRCODE = 'check_violation';
		END IF;
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'the audit log is append-only'
		USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER audit_guard BEFORE INSERT OR UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_guard();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_guard();

CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.last_hash IS DISTINCT FROM
		    (SELECT hash FROM audit WHERE id = NEW.last_id) THEN
			RAISE EXCEPTION 'the audit anchor must name a stored row and its hash'
				USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	ELSIF TG_OP = 'UPDATE' THEN
		IF NEW.last_id <= OLD.last_id OR NEW.one IS DISTINCT FROM OLD.one
		    OR NEW.last_hash IS DISTINCT FROM
		    (SELECT hash FROM audit WHERE id = NEW.last_id) THEN
			RAISE EXCEPTION 'the audit anchor only moves forward, onto a stored row and its hash'
				USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'the audit anchor cannot be removed'
		USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER audit_anchor_guard BEFORE INSERT OR UPDATE OR DELETE
	ON audit_anchor FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
	FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard();

CREATE TABLE risk_assessments (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	version		BIGINT NOT NULL,
	current		BIGINT NOT NULL DEFAULT 1,
	assessed_by	TEXT NOT NULL,
	assessed_ms	BIGINT NOT NULL,
	valid_until_ms	BIGINT,
	doc		TEXT NOT NULL,
	result		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created_ms	BIGINT NOT NULL,
	UNIQUE (site_id, version)
);
CREATE INDEX risk_current ON risk_assessments(site_id, current);

CREATE TABLE risk_tables (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	version		BIGINT NOT NULL UNIQUE,
	current		BIGINT NOT NULL DEFAULT 1,
	doc		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created_ms	BIGINT NOT NULL
);

-- 009: patrols ---------------------------------------------------------------

CREATE TABLE guards (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL,
	phone		TEXT NOT NULL DEFAULT '',
	active		BIGINT NOT NULL DEFAULT 1,
	created_ms	BIGINT NOT NULL,
	updated_ms	BIGINT NOT NULL
);

CREATE TABLE guard_ids (
	ident		TEXT COLLATE nocase NOT NULL PRIMARY KEY,
	guard_id	BIGINT NOT NULL REFERENCES guards(id) ON DELETE CASCADE,
	kind		TEXT NOT NULL CHECK (kind IN ('device', 'tag'))
);
CREATE INDEX guard_ids_guard ON guard_ids(guard_id);

CREATE TABLE guard_sites (
	guard_id	BIGINT NOT NULL REFERENCES guards(id) ON DELETE CASCADE,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	PRIMARY KEY (guard_id, site_id)
);

CREATE TABLE patrol_holidays (
	date		TEXT NOT NULL PRIMARY KEY,
	name		TEXT NOT NULL DEFAULT ''
);

CREATE TABLE patrol_routes (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	name		TEXT NOT NULL,
	version		BIGINT NOT NULL,
	current		BIGINT NOT NULL DEFAULT 1,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	doc		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created_ms	BIGINT NOT NULL,
	retired_ms	BIGINT,
	UNIQUE (name, version)
);
CREATE INDEX patrol_routes_site ON patrol_routes(site_id, current);

CREATE TABLE patrol_terminals (
	account		TEXT NOT NULL PRIMARY KEY,
	map		TEXT NOT NULL
);

CREATE TABLE patrol_checkins (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	received_ms	BIGINT NOT NULL,
	scan_ms		BIGINT NOT NULL,
	source		TEXT NOT NULL,
	kind		TEXT NOT NULL DEFAULT 'scan',
	account		TEXT,
	device		TEXT NOT NULL DEFAULT '',
	tag		TEXT NOT NULL DEFAULT '',
	guard_ref	TEXT NOT NULL DEFAULT '',
	guard_id	BIGINT,
	site_id		BIGINT,
	route_id	BIGINT,
	checkpoint	BIGINT,
	unknown_tag	BIGINT NOT NULL DEFAULT 0,
	unknown_guard	BIGINT NOT NULL DEFAULT 0,
	not_allowed	BIGINT NOT NULL DEFAULT 0,
	lat		DOUBLE PRECISION,
	lon		DOUBLE PRECISION,
	event_id	BIGINT,
	entered_by	TEXT NOT NULL DEFAULT '',
	dedup		TEXT NOT NULL UNIQUE
);
CREATE INDEX patrol_checkins_site ON patrol_checkins(site_id, scan_ms);
CREATE INDEX patrol_checkins_guard ON patrol_checkins(guard_id, scan_ms);

CREATE TABLE patrol_findings (
	route		TEXT NOT NULL,
	shift_ms	BIGINT NOT NULL,
	fkey		TEXT NOT NULL,
	site_id		BIGINT,
	kind		TEXT NOT NULL,
	text		TEXT NOT NULL,
	guard_id	BIGINT,
	checkpoint	BIGINT,
	round		BIGINT,
	alarm_id	BIGINT,
	raised_ms	BIGINT NOT NULL,
	restored_ms	BIGINT,
	PRIMARY KEY (route, shift_ms, fkey)
);
CREATE INDEX patrol_findings_shift ON patrol_findings(shift_ms);

CREATE TABLE patrol_observations (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	site_id		BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
	checkpoint	TEXT NOT NULL DEFAULT '',
	guard_id	BIGINT,
	at_ms		BIGINT NOT NULL,
	deviation	TEXT NOT NULL,
	adversary	BIGINT NOT NULL DEFAULT 0,
	talk		TEXT NOT NULL DEFAULT '',
	verdict		TEXT NOT NULL CHECK (verdict IN ('threat', 'no_threat')),
	alarm_id	BIGINT,
	recorded_by	TEXT NOT NULL,
	created_ms	BIGINT NOT NULL
);
CREATE INDEX patrol_observations_site ON patrol_observations(site_id, at_ms);

-- 010, 012: console sessions -------------------------------------------------

CREATE TABLE sessions (
	id		BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	token_hash	TEXT NOT NULL UNIQUE,
	operator_id	BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
	created_ms	BIGINT NOT NULL,
	last_used_ms	BIGINT NOT NULL,
	expires_ms	BIGINT NOT NULL,
	peer		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_operator ON sessions(operator_id);
CREATE INDEX sessions_expires ON sessions(expires_ms);

INSERT INTO schema_version (one, version) VALUES (1, 12);
