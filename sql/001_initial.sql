-- 001_initial.sql - accounts, the frames received and the events decoded from them.
-- Times: *_ms are wall-clock UTC milliseconds, panel_time is seconds UTC (NULL none).

CREATE TABLE accounts (
	account		TEXT PRIMARY KEY,
	key		TEXT NOT NULL DEFAULT '',	-- "0011.." or "text:..."; '' none
	name		TEXT NOT NULL DEFAULT '',
	created_ms	INTEGER NOT NULL
);

-- Every frame as received, including those from unknown accounts.
CREATE TABLE frames (
	id		INTEGER PRIMARY KEY,
	received_ms	INTEGER NOT NULL,
	transport	TEXT NOT NULL,			-- tcp, udp, tls
	peer		TEXT NOT NULL,			-- address:port
	account		TEXT NOT NULL,
	token		TEXT NOT NULL,			-- SIA-DCS, ADM-CID, NULL
	encrypted	INTEGER NOT NULL DEFAULT 0,
	seq		INTEGER NOT NULL,
	rcvr		TEXT NOT NULL DEFAULT '',
	line		TEXT NOT NULL DEFAULT '',
	raw		BLOB NOT NULL,			-- LF..CR exactly as received
	data		TEXT,				-- decrypted data field
	xdata		TEXT,				-- extended data, raw
	panel_time	INTEGER,
	unknown_account	INTEGER NOT NULL DEFAULT 0,
	digest		TEXT				-- for retransmission detection
);
-- The retransmission check: account, seq, digest since a time.
CREATE INDEX frames_retransmit ON frames(account, seq, received_ms);

-- One row per decoded event; class and qual are names ("burglary", "new").
CREATE TABLE events (
	id		INTEGER PRIMARY KEY,
	frame_id	INTEGER REFERENCES frames(id),
	account		TEXT NOT NULL,
	received_ms	INTEGER NOT NULL,
	panel_time	INTEGER,
	format		TEXT NOT NULL,			-- SIA, CID
	code		TEXT NOT NULL,
	qual		TEXT NOT NULL,
	class		TEXT NOT NULL,
	text		TEXT NOT NULL DEFAULT '',
	zone		INTEGER,			-- NULL none
	"user"		INTEGER,			-- NULL none
	"partition"	INTEGER,			-- NULL none
	known		INTEGER NOT NULL DEFAULT 1,
	unknown_account	INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_received ON events(received_ms);
CREATE INDEX events_account ON events(account, received_ms);
CREATE INDEX events_class ON events(class, received_ms);
-- So that deleting old frames does not scan events for the foreign key.
CREATE INDEX events_frame ON events(frame_id);
