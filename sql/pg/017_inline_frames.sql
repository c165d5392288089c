-- 017_inline_frames.sql (PostgreSQL) - a frame and its single event share
-- a row; see sql/017_inline_frames.sql.
ALTER TABLE events ADD COLUMN transport TEXT;
ALTER TABLE events ADD COLUMN peer TEXT;
ALTER TABLE events ADD COLUMN token TEXT;
ALTER TABLE events ADD COLUMN encrypted BIGINT;
ALTER TABLE events ADD COLUMN seq BIGINT;
ALTER TABLE events ADD COLUMN rcvr TEXT;
ALTER TABLE events ADD COLUMN line TEXT;
ALTER TABLE events ADD COLUMN raw BYTEA;
ALTER TABLE events ADD COLUMN data TEXT;
ALTER TABLE events ADD COLUMN xdata TEXT;
ALTER TABLE events ADD COLUMN digest TEXT;
ALTER TABLE events ADD COLUMN ext TEXT;
ALTER TABLE events ADD COLUMN retx BIGINT;
DROP INDEX events_frame;
CREATE INDEX events_frame ON events(frame_id) WHERE frame_id IS NOT NULL;
CREATE INDEX events_retx ON events(account, seq, received_ms) WHERE retx = 1;
