-- 016_event_keys.sql (PostgreSQL) - the version that drops events_account
-- and events_class on SQLite (sql/016_event_keys.sql) keeps them here: the
-- server maintains them, not pcod's loop, and migrate-store needs the same
-- schema version on both sides.  Only their comments change.
COMMENT ON INDEX events_account IS 'event.list --account (SQLite keeps these keys in <database>-keys)';
COMMENT ON INDEX events_class IS 'event.list --class (SQLite keeps these keys in <database>-keys)';
