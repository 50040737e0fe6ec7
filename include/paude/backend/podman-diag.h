/* SPDX-License-Identifier: MIT */
/*
 * Podman's host problems, recognised by podman's own words, each with the
 * fix a user can run. Mostly rootless podman: what a desktop login gives a
 * user (a runtime directory, subordinate ids, slirp4netns, /dev/net/tun)
 * and what breaks when one is missing. `paude doctor` and `paude start`
 * share them, so both say the same thing.
 */
#ifndef PAUDE_PODMAN_DIAG_H
#define PAUDE_PODMAN_DIAG_H

#include <stdbool.h>
#include <sys/types.h>
#include "paude/core/error.h"

enum paude_podman_problem {
	PAUDE_PODMAN_OK = 0,
	PAUDE_PODMAN_NO_NET_HELPER, /* slirp4netns (or pasta) is not installed */
	PAUDE_PODMAN_TUN, /* the network helper cannot use /dev/net/tun */
	PAUDE_PODMAN_RUNTIME_DIR, /* no usable XDG_RUNTIME_DIR */
	PAUDE_PODMAN_SUBIDS, /* no subordinate user/group ids */
	PAUDE_PODMAN_STALE_NETNS, /* a half-made rootless network namespace */
};

/* The problem that podman's error text (stderr) shows, or PAUDE_PODMAN_OK. */
enum paude_podman_problem paude_podman_diagnose(const char *text);

/* One line saying what is wrong ("slirp4netns is not installed"). */
const char *paude_podman_problem_what(enum paude_podman_problem p);

/* The fix, with this user's names and paths filled in. Caller frees;
 * NULL for PAUDE_PODMAN_OK. */
char *paude_podman_problem_fix(enum paude_podman_problem p);

/*
 * Replace *err, a podman failure, by what is wrong and its fix when its
 * text shows a known problem (the raw text goes to the debug log), and
 * clear podman's half-made rootless network state when the failure left
 * some (after NO_NET_HELPER and TUN the next attempt would otherwise fail
 * with "failed to mount runtime directory for rootless netns"). what: the
 * context, "cannot start session 'x'". Returns the problem found. As root,
 * missing subordinate ids are not this user's problem (rootful podman's
 * --userns=auto takes them from the user "containers"): left as they are.
 */
enum paude_podman_problem paude_podman_explain(struct paude_error **err, const char *what);

/*
 * Podman 4.3 can fail to remove a container that has just stopped: its
 * `rm` races the clean-up that conmon starts when the container exits, and
 * loses with "unlinkat .../userdata/shm: device or resource busy" (podman
 * issues 10454 and 11594, fixed in 4.4). The container is then stopped and
 * cleaned up, and a second `rm` removes it. true when e is that failure.
 */
bool paude_podman_rm_raced(const struct paude_error *e);

/* How often a raced `rm` is tried in all, and how long to wait between. */
#define PAUDE_PODMAN_RM_TRIES 5
#define PAUDE_PODMAN_RM_RETRY_MS 200

struct paude_runner;
struct paude_child;
/* Run proto's argv (a `podman rm ...`), again while it fails with
 * paude_podman_rm_raced. 0, or the failure as paude_child_error gives it. */
int paude_podman_rm_retrying(struct paude_runner *r, const struct paude_child *proto,
			     struct paude_error **err);

/* $XDG_RUNTIME_DIR, or /run/user/UID where podman looks without it.
 * Caller frees. */
char *paude_podman_runtime_dir(void);

/*
 * Remove podman's rootless network namespace files
 * (RUNTIME_DIR/netns/rootless-netns-*). Only right when podman has just
 * failed to make that namespace, so that none can be in use. *removed (may
 * be NULL) counts the files removed.
 */
int paude_podman_rootless_netns_reset(unsigned *removed, struct paude_error **err);

/*
 * Subordinate id files (/etc/subuid, /etc/subgid: NAME_OR_ID:START:COUNT
 * lines). The number of ids TEXT grants to user NAME or id ID, and the
 * first id from 100000 up where a range of 65536 overlaps none in TEXT.
 */
unsigned long paude_subid_count(const char *text, const char *name, uid_t id);
unsigned long paude_subid_next_free(const char *text);

#endif
