/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Registry authentication: anonymous, Basic, and the Bearer token flow
 * (https://distribution.github.io/distribution/spec/auth/token/).
 *
 * Credentials come from --creds / --password-stdin, else from the first auth file that
 * has an entry for the registry: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json ("auths": {"host": {"auth": base64}}).
 * No function here puts a credential, a token or an Authorization value into an error
 * message; buffers holding them are wiped before they are freed.
 */

#include <stdbool.h>

#include "pull/http.h"
#include "runner/lib/log.h"

struct auth_creds {
	char *user;
	char *pass;
	char *source; /* where they came from, for messages: "--creds", a file name */
};

void auth_creds_done(struct auth_creds *c);
/* "USER:PASS" as given to --creds. */
int auth_creds_parse(const char *s, struct auth_creds *ret, struct rtr_err *e);
/* Looks @registry up in the auth files; -ENOENT when none has it. */
int auth_creds_from_files(const char *registry, struct auth_creds *ret, struct rtr_err *e);

/*
 * Answers the challenge in @www_authenticate (a 401's header): for Basic, builds the header
 * from @creds (-EACCES without them); for Bearer, asks the realm for a token with the
 * challenge's service and @scope (or the challenge's own scope), sending @creds as Basic
 * when there are any.  Returns the Authorization value in *ret_header (wipe and free it).
 */
int auth_respond(struct http_client *c, const char *www_authenticate,
		 const struct auth_creds *creds, const char *scope, const char *what,
		 char **ret_header, struct rtr_err *e);

/* Frees a secret after overwriting it. */
void auth_free_secret(char *s);

/* Base64 (RFC 4648, with padding).  Returned buffers are malloc'ed and NUL-terminated. */
char *auth_base64_encode(const void *buf, size_t len);
int auth_base64_decode(const char *s, char **ret, size_t *ret_len);
