-- 012_session_peer.sql - a session belongs to the transport and local user
-- that logged in: "uid:N" for a control socket peer of uid N, "http" for the
-- browser console's cookie.  auth.resume from another uid, a socket token
-- used as a cookie, or a cookie's token given to auth.resume is refused and
-- counted as a guess.  Sessions made before this column have '' and are
-- refused: their owners log in once more.

ALTER TABLE sessions ADD COLUMN peer TEXT NOT NULL DEFAULT '';
