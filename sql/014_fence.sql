-- 014_fence.sql - nothing on SQLite: kept so that both engines share one
-- schema version.  sql/pg/014_fence.sql adds PostgreSQL's fence function
-- (pcod_fence), which a pipelined batch calls in place of a query; a SQLite
-- file has one writer by its own lock and no lease to check.
SELECT 1;
