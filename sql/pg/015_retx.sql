-- 015_retx.sql (PostgreSQL) - frames_retransmit out, a partial index of the
-- frames memory did not take (retx = 1) in; see sql/015_retx.sql.
ALTER TABLE frames ADD COLUMN retx BIGINT;
DROP INDEX frames_retransmit;
CREATE INDEX frames_retx ON frames(account, seq, received_ms) WHERE retx = 1;
