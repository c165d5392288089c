-- 015_retx.sql - the retransmission keys are exact in memory (issue 11,
-- tests/bench/PLAN.md item 3): frames_retransmit, one random-position index
-- insert per frame, goes.  A frame whose key memory did not take (past its
-- ceiling, or an account that does not fit) is stored with retx = 1, and
-- only those are indexed, for the retransmission check to ask the store.
-- Frames stored before this migration have retx NULL: the read-back at
-- start-up (ingest.c) loads those of the window into memory.
-- sql/pg/015_retx.sql does the same on PostgreSQL.
ALTER TABLE frames ADD COLUMN retx INTEGER;
DROP INDEX frames_retransmit;
CREATE INDEX frames_retx ON frames(account, seq, received_ms) WHERE retx = 1;
