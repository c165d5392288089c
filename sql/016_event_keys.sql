-- 016_event_keys.sql - event.list's account and class keys leave the
-- events table (issue 11, tests/bench/PLAN.md): events_account and
-- events_class took a leaf page per distinct account and class in every
-- commit, on the loop, and served only event.list's --account and --class
-- filters.  The same keys are kept in "<database>-keys" (src/evkeys.c),
-- written by a thread of its own; pcod builds it at its first start after
-- this migration, in the background.
-- sql/pg/016_event_keys.sql keeps the indexes on PostgreSQL.
DROP INDEX events_account;
DROP INDEX events_class;
