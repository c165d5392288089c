-- 013_lease.sql (PostgreSQL) - the receivers' lease (issue 14): which pcod
-- is active when several share this database (src/store_lease.c).
-- sql/013_lease.sql is the same table on SQLite, which never uses it.
--
-- lease: one row.  holder is the active pcod's node name ('' when free),
-- epoch grows by one at every takeover (every write batch checks it:
-- fencing), renewed_ms/expires_ms are the database server's clock.
-- receivers: every pcod's last word (its role and when), for status.

CREATE TABLE lease (
	id		BIGINT PRIMARY KEY CHECK (id = 1),
	holder		TEXT NOT NULL DEFAULT '',
	epoch		BIGINT NOT NULL DEFAULT 0,
	renewed_ms	BIGINT NOT NULL DEFAULT 0,
	expires_ms	BIGINT NOT NULL DEFAULT 0
);
INSERT INTO lease (id) VALUES (1);

CREATE TABLE receivers (
	name		TEXT PRIMARY KEY,
	role		TEXT NOT NULL,
	epoch		BIGINT NOT NULL DEFAULT 0,
	seen_ms		BIGINT NOT NULL
);
