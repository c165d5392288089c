-- 010_sessions.sql - console sessions (issue 12): auth.login {session: true}
-- hands out a random token; only its SHA-256 is kept here.  auth.resume with
-- the token makes a new console that operator until the session has been idle
-- for session-timeout seconds.  Times are UTC ms.

CREATE TABLE sessions (
	id		INTEGER PRIMARY KEY,
	token_hash	TEXT NOT NULL UNIQUE,	-- hex SHA-256 of the token
	operator_id	INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
	created_ms	INTEGER NOT NULL,
	last_used_ms	INTEGER NOT NULL,
	expires_ms	INTEGER NOT NULL	-- last use + session-timeout then
);
CREATE INDEX sessions_operator ON sessions(operator_id);
CREATE INDEX sessions_expires ON sessions(expires_ms);
