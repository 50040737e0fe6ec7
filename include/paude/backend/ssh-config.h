/* SPDX-License-Identifier: MIT */
/*
 * Where and as whom to connect for `--host [USER@]HOST[:PORT]`, the way
 * OpenSSH would: the address, then the subset of ssh_config(5) users rely
 * on for this (Host patterns with * ? and !negation, HostName, User, Port,
 * IdentityFile, UserKnownHostsFile, Include; the first value of a keyword
 * wins, IdentityFile values add up), then the defaults. ProxyJump and
 * ProxyCommand are refused with a clear error, since paude connects
 * directly; `Match` blocks other than `Match all` are not evaluated and
 * their settings are not used.
 *
 * Host keys are checked against the known_hosts files with libssh2's
 * knownhost API: an unknown host is refused with its SHA256 fingerprint
 * and the command that trusts it, a changed or revoked key loudly.
 */
#ifndef PAUDE_SSH_CONFIG_H
#define PAUDE_SSH_CONFIG_H

#include <stddef.h>
#include "paude/core/strvec.h"
#include "paude/core/error.h"

struct paude_ssh_target {
	char *alias; /* the host as given: Host patterns match it, %n */
	char *hostname; /* where to connect (HostName, else the alias) */
	char *user; /* remote user (USER@, User, else the local user) */
	unsigned port; /* 0 until set: :PORT, Port, else 22 */
	struct paude_strvec identity_files; /* IdentityFile values, in order */
	struct paude_strvec known_hosts; /* UserKnownHostsFile, else ~/.ssh/known_hosts */
	unsigned user_given : 1; /* the user came from the address or the config */
	unsigned identity_given : 1; /* identity_files came from the config */
	unsigned known_hosts_set : 1, proxy_set : 1;
};
#define PAUDE_SSH_TARGET_INIT                                                                      \
	{                                                                                          \
		.identity_files = PAUDE_STRVEC_INIT, .known_hosts = PAUDE_STRVEC_INIT              \
	}

/* What the expansion of ~ and %-tokens needs to know about us. */
struct paude_ssh_env {
	const char *home; /* ~ and %d */
	const char *local_user; /* %u, and the default remote user */
	const char *local_host; /* %l */
	unsigned no_include : 1; /* refuse Include (the fuzzer must not read files) */
};

void paude_ssh_target_init(struct paude_ssh_target *t);
void paude_ssh_target_release(struct paude_ssh_target *t);

/*
 * Parse "[USER@]HOST[:PORT]" ("[USER@][V6ADDR]:PORT" for an IPv6 address
 * with a port) into t (alias, user, port). PAUDE_EUSAGE on a bad address.
 */
int paude_ssh_address_parse(struct paude_ssh_target *t, const char *addr, struct paude_error **err);

/*
 * Apply one configuration file's text to t: only keywords not yet set
 * change it (IdentityFile adds). `file` names the file in errors and decides
 * where a relative Include is looked up (~/.ssh for a user's file,
 * /etc/ssh otherwise). PAUDE_EUSAGE with "FILE line N: ..." on a malformed
 * line or an unsupported keyword that applies to this host.
 */
int paude_ssh_config_apply(struct paude_ssh_target *t, const char *text, size_t len,
			   const char *file, const struct paude_ssh_env *env,
			   struct paude_error **err);

/*
 * Fill what is still unset with the defaults (hostname = alias, the local
 * user, port 22, ~/.ssh/known_hosts) and expand ~ and the tokens %% %d %h
 * %l %n %p %r %u in IdentityFile and UserKnownHostsFile, %% and %h in
 * HostName.
 */
int paude_ssh_target_finish(struct paude_ssh_target *t, const struct paude_ssh_env *env,
			    struct paude_error **err);

/*
 * All of the above for this user: the address, ~/.ssh/config and
 * /etc/ssh/ssh_config (either may be missing), the defaults.
 */
int paude_ssh_target_resolve(struct paude_ssh_target *t, const char *addr,
			     struct paude_error **err);

/* The name known_hosts uses for host:port: "host", or "[host]:port". */
char *paude_ssh_known_hosts_name(const char *host, unsigned port);

/* "SHA256:<base64 without padding>" of a public key blob, as ssh-keygen -l prints. */
char *paude_ssh_fingerprint(const unsigned char *key, size_t len);

/*
 * Check the host key `key` (the SSH wire blob) of host:port against the
 * files (missing ones are skipped). 0 when a file has this key for this
 * host; PAUDE_EPROTO otherwise, with the message saying what to do: an
 * unknown host gets its fingerprint and the ssh-keyscan command that
 * trusts it (appending to the first file), a different key for the host
 * (or a key marked @revoked) is refused as a possible attack.
 */
int paude_ssh_known_hosts_check(const struct paude_strvec *files, const char *host, unsigned port,
				const unsigned char *key, size_t len, struct paude_error **err);

static inline void
paude_ssh_target_releasep(struct paude_ssh_target *t)
{
	paude_ssh_target_release(t);
}
#define _cleanup_ssh_target_ _cleanup_(paude_ssh_target_releasep)

#endif
