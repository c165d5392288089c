/*
 * session.h - console sessions (src/store_session.c): auth.login {session:
 * true} hands out a random token (32 bytes as 64 hex digits); the store keeps
 * only its SHA-256 with the operator, the creation, the last use and the
 * idle expiry.  auth.resume with the token logs a new console in as that
 * operator; auth.logout with it, disabling the operator or changing his
 * password deletes it.
 */
#ifndef PCOD_SESSION_H
#define PCOD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "operator.h"

struct store;

#define SESSION_TOKEN_HEX	64	/* hex digits of a token (32 bytes) */
#define SESSION_HASH_HEX	64	/* hex digits of its SHA-256 */
/*
 * Who a session belongs to: "uid:N" (a control socket peer of uid N) or
 * SESSION_PEER_HTTP (the browser console's cookie).  Only that peer may use
 * it; '' (a session from before this was kept) is nobody's.
 */
#define SESSION_PEER_MAX	32
#define SESSION_PEER_HTTP	"http"

/* A session as auth.resume needs it (committed data). */
struct session_rec {
	char	login[OPERATOR_LOGIN_MAX + 1];
	char	name[OPERATOR_NAME_MAX + 1];
	int	role;				/* enum role */
	int	disabled;
	int64_t	created_ms;
	int64_t	last_used_ms;
	int64_t	expires_ms;
	char	peer[SESSION_PEER_MAX];		/* who may use it (session_peer) */
};

/* A fresh random token into out (SESSION_TOKEN_HEX + 1 bytes).  0, or -1. */
int	store_session_token_new(char *out);
/*
 * The hex SHA-256 of a token into out (SESSION_HASH_HEX + 1 bytes); 0, or -1
 * if token is not SESSION_TOKEN_HEX lower-case hex digits (no session has it).
 */
int	store_session_token_hash(const char *token, char *out);

/*
 * In the open batch: a session of login for peer with token hash hash, used now,
 * expiring at expires_ms; sessions expired before now are deleted.  0, 1 no
 * such operator, -1 store.
 */
int	store_session_add(struct store *, const char *login, const char *hash,
	    const char *peer, int64_t now, int64_t expires_ms);
/* Committed: 0 with *rec, 1 no such session, -1 store. */
int	store_session_get(struct store *, const char *hash,
	    struct session_rec *rec);
/* In the open batch: used at now, now expiring at expires_ms.  0, 1 gone, -1. */
int	store_session_touch(struct store *, const char *hash, int64_t now,
	    int64_t expires_ms);
/* In the open batch: delete one session.  0, 1 none, -1. */
int	store_session_revoke(struct store *, const char *hash);
/* In the open batch: delete every session of login.  How many, or -1. */
int	store_session_revoke_login(struct store *, const char *login);

#endif
