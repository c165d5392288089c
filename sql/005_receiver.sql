-- 005_receiver.sql - what real panels send and how a keyed account is protected (issue 7).

-- A second key held during a key roll-over: frames decrypt with either.
ALTER TABLE accounts ADD COLUMN next_key TEXT NOT NULL DEFAULT '';
-- 1: an account with a key may still send plaintext frames (during a roll-out).
ALTER TABLE accounts ADD COLUMN plaintext INTEGER NOT NULL DEFAULT 0;
-- 1: the timestamp window applies to this account's plaintext frames too.
ALTER TABLE accounts ADD COLUMN plain_clock INTEGER NOT NULL DEFAULT 0;

-- What the operator needs from the payload: the event's own time (ti/da),
-- the zone's or user's name, a text block, the device (pi); all UTF-8.
ALTER TABLE events ADD COLUMN event_time INTEGER;
ALTER TABLE events ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN peripheral INTEGER;

-- The extended data pcod understood (verification URLs, location, room,
-- user name), as a JSON object; NULL when the frame had none.
ALTER TABLE frames ADD COLUMN ext TEXT;
