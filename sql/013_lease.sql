-- 013_lease.sql - the receivers' lease (issue 14): which pcod is active when
-- several share one PostgreSQL database.  SQLite is one process's file and
-- never uses these tables; they exist here so that both engines keep one
-- schema and one version (sql/pg/013_lease.sql is the same).
--
-- lease: one row.  holder is the active pcod's node name ('' when free),
-- epoch grows by one at every takeover (every write batch checks it:
-- fencing), renewed_ms/expires_ms are the database server's clock.
-- receivers: every pcod's last word (its role and when), for status.

CREATE TABLE lease (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	holder		TEXT NOT NULL DEFAULT '',
	epoch		INTEGER NOT NULL DEFAULT 0,
	renewed_ms	INTEGER NOT NULL DEFAULT 0,
	expires_ms	INTEGER NOT NULL DEFAULT 0
);
INSERT INTO lease (id) VALUES (1);

CREATE TABLE receivers (
	name		TEXT PRIMARY KEY,
	role		TEXT NOT NULL,
	epoch		INTEGER NOT NULL DEFAULT 0,
	seen_ms		INTEGER NOT NULL
);
