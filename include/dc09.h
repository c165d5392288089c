/* dc09.h - SIA DC-09 framing: find, parse, validate and build frames (pure, no I/O). */
#ifndef PCOD_DC09_H
#define PCOD_DC09_H

#include <stddef.h>
#include <time.h>

/* Span of the length field is 3 hex digits: at most 0xFFF bytes + LF, CRC, length and CR. */
#define DC09_MAX_FRAME		(0xFFF + 10)
#define DC09_MAX_SPAN		0xFFF

enum dc09_id {
	DC09_ID_UNKNOWN = 0,
	DC09_ID_SIA_DCS,
	DC09_ID_ADM_CID,
	DC09_ID_NULL,
	DC09_ID_ACK,
	DC09_ID_NAK,
	DC09_ID_DUH,
	DC09_ID_RSP
};

/* Results of dc09_parse()/dc09_open(); 0 is success, all errors negative. */
enum dc09_err {
	DC09_OK = 0,
	DC09_EFORMAT = -1,	/* not a DC-09 frame (fields missing/out of place) */
	DC09_ECRC = -2,		/* CRC mismatch */
	DC09_ELENGTH = -3,	/* length field disagrees with the frame */
	DC09_ETOKEN = -4,	/* well-formed but unknown ID token */
	DC09_EDECRYPT = -5,	/* encrypted and key missing, wrong or bad hex */
	DC09_EDATA = -6,	/* body (data/xdata/timestamp) malformed */
	DC09_ETOOLONG = -7,
	DC09_ENOTIME = -8	/* encrypted without a timestamp: NAK with ours */
};

/* An account is 3 to 16 hex digits. */
#define DC09_ACCT_MAX		16

/* Scanner results for a stream (TCP) buffer. */
enum dc09_scan {
	DC09_SCAN_NEED = 0,	/* no complete frame yet */
	DC09_SCAN_FRAME,	/* frame at [*start, *start + *len) (LF..CR inclusive) */
	DC09_SCAN_TOOLONG	/* LF seen but no CR within the limit */
};

/* A per-account AES key; len 0 means none. */
struct dc09_key {
	unsigned char	bytes[32];
	size_t		len;		/* 16, 24 or 32 */
};

/*
 * A parsed frame.  The string fields are copies (NUL-terminated); body points
 * into the caller's buffer (the part after the account up to before CR).
 */
struct dc09_msg {
	enum dc09_id	 id;
	char		 token[12];	/* ID without quotes and '*', "SIA-DCS" */
	int		 encrypted;	/* '*' before the token */
	char		 seq[5];	/* 4 digits as sent */
	int		 has_rcvr;
	char		 rcvr[7];	/* hex digits after R; "" if none */
	int		 has_line;	/* 0: no L field at all (line 0) */
	char		 line[7];	/* hex digits after L; may be "" (bare L) */
	char		 acct[17];	/* hex digits after '#' (or after 'A' in NAK) */
	unsigned	 crc;		/* as sent (and verified) */
	const char	*body;		/* "[...]...[_ts]" or, encrypted, "[HEX" */
	size_t		 body_len;
};

/* The opened (decrypted where needed) body of a message. */
struct dc09_content {
	char	data[DC09_MAX_SPAN + 1];	/* inside the first [ ], pad stripped */
	size_t	data_len;
	char	xdata[DC09_MAX_SPAN + 1];	/* following bracketed fields, raw */
	size_t	xdata_len;
	int	has_time;
	char	timestamp[21];			/* "_HH:MM:SS,MM-DD-YYYY" */
	time_t	time;				/* timestamp as UTC */
};

/* CRC-16/ARC over buf. */
unsigned	dc09_crc(const void *buf, size_t len);

/*
 * Find the next frame in buf: skips anything before an LF (reported in
 * *skipped), then looks for the CR within max bytes.
 */
enum dc09_scan	dc09_scan(const char *buf, size_t len, size_t max,
		    size_t *start, size_t *flen, size_t *skipped);

/* Parse and validate one frame (LF..CR inclusive).  err gets a reason. */
int	dc09_parse(const char *frame, size_t len, struct dc09_msg *m,
	    char *err, size_t errsz);

/* Decrypt (if m->encrypted; key required then) and split the body. */
int	dc09_open(const struct dc09_msg *m, const struct dc09_key *key,
	    struct dc09_content *c, char *err, size_t errsz);

/* "0011AA..." (32/48/64 hex) or "text:<16/24/32 chars>"; 0 or -1 with err. */
int	dc09_key_parse(const char *s, struct dc09_key *k, char *err, size_t errsz);

/* Format t as "_HH:MM:SS,MM-DD-YYYY" (UTC) into buf (at least 21 bytes). */
void	dc09_format_time(time_t t, char *buf);
/* Parse "_HH:MM:SS,MM-DD-YYYY"; 0 or -1. */
int	dc09_parse_time(const char *s, size_t len, time_t *t);

/* What to build: a message or an answer. */
struct dc09_out {
	const char		*token;		/* "ACK", "SIA-DCS", ... */
	const char		*seq;		/* 4 digits */
	const char		*rcvr;		/* NULL: no R field */
	const char		*line;		/* "" bare L; NULL no L field */
	const char		*acct;
	int			 nak_acct;	/* write "A<acct>" instead of "#<acct>" */
	const char		*data;		/* inside [ ]; "" for [] */
	const char		*xdata;		/* raw "[X..][Y..]" or NULL */
	int			 with_time;	/* append a timestamp (forced if key) */
	time_t			 time;
	const struct dc09_key	*key;		/* encrypt when non-NULL and len > 0 */
	char			 pad;		/* pad character; 0: random printable */
};

/* Build a frame (LF..CR).  Returns its length, or -1 if it does not fit. */
int	dc09_build(const struct dc09_out *o, char *buf, size_t cap);

/*
 * Build the receiver's answer (ACK or DUH) to request m, echoing sequence,
 * receiver, line and account; encrypted with key when m was encrypted.
 * Returns the length or -1.
 */
int	dc09_build_answer(enum dc09_id answer, const struct dc09_msg *m,
	    const struct dc09_key *key, time_t now, char *buf, size_t cap);
/* "NAK"0000R0L0A0[]_now: returns the length or -1. */
int	dc09_build_nak(time_t now, char *buf, size_t cap);

const char	*dc09_strerror(int err);

#endif
