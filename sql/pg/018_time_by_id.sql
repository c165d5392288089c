-- 018_time_by_id.sql (PostgreSQL) - the version that drops events_received
-- on SQLite (sql/018_time_by_id.sql) keeps it here: the server maintains
-- it, not pcod's loop, and migrate-store needs the same schema version on
-- both sides.  Only its comment changes.
COMMENT ON INDEX events_received IS 'event.list''s time order and windows (SQLite finds them through ids and <database>-keys)';
