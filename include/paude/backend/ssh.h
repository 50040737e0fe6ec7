/* SPDX-License-Identifier: MIT */
/*
 * One SSH connection (libssh2) per paude process, and a runner over it:
 * every child started through paude_ssh_runner() runs on the remote host
 * in an exec channel of that one connection, so the whole Podman backend
 * goes remote without knowing it.
 *
 * Connecting: TCP to the target, the handshake, the host key checked
 * against known_hosts (ssh-config.h), then public-key authentication as
 * OpenSSH does it: the keys of ssh-agent (SSH_AUTH_SOCK) first, then the
 * IdentityFile keys or the default ones (~/.ssh/id_ed25519, id_ecdsa,
 * id_rsa), a passphrase asked on the terminal (/dev/tty) when a key has
 * one.
 *
 * The runner: the argv (and the child's env: "K=V" sets, "K" removes) is
 * sent as one command line for the remote user's shell, every word
 * shell-quoted, after `exec`. The first use of a program checks that the
 * remote shell finds it (`command -v`), so a host without podman gives
 * PAUDE_ENOTFOUND at start like a local missing program. The child's
 * in/out/err contract is run.h's; c->pid is a local stand-in process that
 * exits with the remote command's exit status (128+N for a signal), so
 * finish, kill and waitpid behave as for a local child: killing it ends
 * the channel. Data is copied by one I/O thread that owns the libssh2
 * session: channels are multiplexed on the connection, each direction
 * flows only as fast as its reader takes it (SSH windows do the rest),
 * EOF is passed on both ways, and a dropped connection makes every
 * running child's finish fail with "connection to HOST lost". c->dir is
 * not supported (PAUDE_ENOTSUP): local paths mean nothing remotely; the
 * runner's host ops (run.h, paude_runner_host_path) copy this machine's
 * files there instead (ssh-files.c).
 */
#ifndef PAUDE_SSH_H
#define PAUDE_SSH_H

#include "paude/backend/ssh-config.h"
#include "paude/core/run.h"
#include "paude/core/buf.h"

struct paude_ssh;

/* Connect and authenticate; *out is freed with paude_ssh_free. */
int paude_ssh_connect(struct paude_ssh **out, const struct paude_ssh_target *t,
		      struct paude_error **err);

/* Stop the I/O thread, close the connection. Running children see EOF and exit 255. */
void paude_ssh_free(struct paude_ssh *s);

/* The runner over s: valid as long as s. */
struct paude_runner *paude_ssh_runner(struct paude_ssh *s);

/* "user@host:port" as it appears in messages. */
const char *paude_ssh_name(const struct paude_ssh *s);

/*
 * The command line the remote shell runs for c: "export K=V; unset K;
 * exec ARGV..." with every word shell-quoted. PAUDE_EUSAGE for an
 * environment name that is not a shell name.
 */
int paude_ssh_command_line(struct paude_buf *out, const struct paude_child *c,
			   struct paude_error **err);

static inline void
paude_ssh_freep(struct paude_ssh **s)
{
	if (*s)
		paude_ssh_free(*s);
}
#define _cleanup_ssh_ _cleanup_(paude_ssh_freep)

#endif
