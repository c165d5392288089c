-- 017_inline_frames.sql - a frame and its single event share a row (issue
-- 11, tests/bench/PLAN.md, tenth and eleventh sessions): most frames carry
-- one event, and writing it as two rows cost a second B-tree insert and an
-- index entry (events_frame) per event.  From this version on, a frame
-- that decodes to exactly one event is stored as that event's row alone:
-- frame_id NULL and the frame's own columns below set.  A frame with no
-- event or with several keeps its frames row, and its events have
-- frame_id set and these columns NULL.  Rows stored before stay as they are.
-- Readers take a frame's columns as coalesce(f.x, e.x).
-- sql/pg/017_inline_frames.sql does the same on PostgreSQL.
ALTER TABLE events ADD COLUMN transport TEXT;
ALTER TABLE events ADD COLUMN peer TEXT;
ALTER TABLE events ADD COLUMN token TEXT;
ALTER TABLE events ADD COLUMN encrypted INTEGER;
ALTER TABLE events ADD COLUMN seq INTEGER;
ALTER TABLE events ADD COLUMN rcvr TEXT;
ALTER TABLE events ADD COLUMN line TEXT;
ALTER TABLE events ADD COLUMN raw BLOB;
ALTER TABLE events ADD COLUMN data TEXT;
ALTER TABLE events ADD COLUMN xdata TEXT;
ALTER TABLE events ADD COLUMN digest TEXT;
ALTER TABLE events ADD COLUMN ext TEXT;
ALTER TABLE events ADD COLUMN retx INTEGER;
-- Only rows with a frame of their own need the foreign key's index (a
-- frame's DELETE searches it); an inline row is not in it.  Rebuilt over
-- the history: about a quarter of a second a million events.
DROP INDEX events_frame;
CREATE INDEX events_frame ON events(frame_id) WHERE frame_id IS NOT NULL;
-- As frames_retx: the inline frames whose key memory did not take.
CREATE INDEX events_retx ON events(account, seq, received_ms) WHERE retx = 1;
