/* SPDX-License-Identifier: MIT */
/*
 * Sessions: names, metadata, and how metadata is stored as labels on the
 * engine's objects (the labels are the source of truth; nothing local is).
 */
#ifndef PAUDE_SESSION_H
#define PAUDE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "paude/core/error.h"
#include "paude/session/lifecycle.h"
#include "paude/core/strvec.h"

/*
 * A session name is a lowercase DNS label that starts with a letter:
 * [a-z]([a-z0-9-]*[a-z0-9])?, 1..PAUDE_SESSION_NAME_MAX characters. The cap
 * leaves room for prefixes and suffixes in every object name derived from it
 * (paude-proxy-NAME, a StatefulSet's pod and revision names: 63 at most).
 */
#define PAUDE_SESSION_NAME_MAX 40

/* Where a session's code lives, on every backend (its volume is at /pvc). */
#define PAUDE_WORKSPACE_DIR "/pvc/workspace"

/* Label keys. */
#define PAUDE_LABEL_APP "app"
#define PAUDE_LABEL_APP_VALUE "paude"
#define PAUDE_LABEL_NAME "paude.io/session-name"
#define PAUDE_LABEL_ROLE "paude.io/role" /* "agent" or "proxy" */
#define PAUDE_LABEL_WORKSPACE "paude.io/workspace"
#define PAUDE_LABEL_CREATED "paude.io/created"
#define PAUDE_LABEL_YOLO "paude.io/yolo"
#define PAUDE_LABEL_ARGS "paude.io/agent-args" /* JSON array of strings */
#define PAUDE_LABEL_DOMAINS "paude.io/allowed-domains" /* JSON array of strings */
#define PAUDE_LABEL_AGENT "paude.io/agent" /* "claude" */
#define PAUDE_LABEL_IMAGE "paude.io/image"
#define PAUDE_LABEL_VERSION "paude.io/version"
#define PAUDE_LABEL_WORKSPACE_MODE "paude.io/workspace-mode" /* "volume" or "mount" */
#define PAUDE_LABEL_VENVS "paude.io/venv-shadows" /* JSON array of workspace-relative dirs */
#define PAUDE_LABEL_SETUP "paude.io/setup" /* JSON array: the setup command's argv */
#define PAUDE_LABEL_MEMORY "paude.io/memory" /* the agent's memory limit, "8g" */
#define PAUDE_LABEL_CPUS "paude.io/cpus" /* the agent's CPU limit, "2" or "0.5" */
#define PAUDE_LABEL_DISK "paude.io/disk" /* the workspace volume's size limit, "20g" */
/* The model gateway's provider ("vertex", "anthropic", "none"); absent on
 * sessions without a gateway (made by older versions). */
#define PAUDE_LABEL_GATEWAY "paude.io/gateway"
/* JSON array of IPv4 ranges the proxy may connect allowed names to although
 * they are private (PAUDE_PROXY_ALLOW_PRIVATE_DST at create); absent: none */
#define PAUDE_LABEL_PRIVATE_DST "paude.io/allow-private-dst"
/* The lifecycle commands when they are more than one setup command (paude_lifecycle_encode) */
#define PAUDE_LABEL_LIFECYCLE "paude.io/lifecycle"
#define PAUDE_LABEL_REMOTE_ENV "paude.io/remote-env" /* JSON array of "K=V" or "K" */
#define PAUDE_LABEL_PORTS "paude.io/forward-ports" /* JSON array of port numbers as strings */

/*
 * Where the session's code lives. VOLUME: in the session's volume, moved
 * with git (the host tree is never touched). MOUNT: the host directory is
 * bind-mounted read-write on /pvc/workspace (the volume still holds /pvc).
 */
enum paude_workspace_mode {
	PAUDE_WORKSPACE_VOLUME = 0,
	PAUDE_WORKSPACE_MOUNT,
};

enum paude_session_state {
	PAUDE_SESSION_UNKNOWN = 0,
	PAUDE_SESSION_CREATED, /* resources exist, never started */
	PAUDE_SESSION_RUNNING,
	PAUDE_SESSION_STOPPED,
};

/* The agent inside a running session, where it was checked ("paude-session status"). */
enum paude_agent_state {
	PAUDE_AGENT_UNCHECKED = 0,
	PAUDE_AGENT_RUNNING,
	PAUDE_AGENT_EXITED, /* agent_exit holds its status */
	PAUDE_AGENT_STARTING, /* the container runs, the agent is not launched yet */
};

struct paude_session {
	char *name;
	char *backend; /* "podman", "openshift" */
	char *location; /* backend-specific: namespace/context for clusters; NULL locally */
	enum paude_session_state state;
	char *status; /* the engine's own words, e.g. "Exited (0) 2 minutes ago" */
	char *workspace; /* absolute host directory the session was created for */
	char *created; /* RFC 3339 UTC */
	char *image;
	char *agent; /* "claude" */
	bool yolo;
	struct paude_strvec agent_args; /* exact argv words for the agent, before --yolo's flag */
	struct paude_strvec allowed_domains; /* as requested (aliases kept), "all" = unrestricted */
	/* private IPv4 ranges the proxy may still connect allowed names to
	 * (canonical CIDRs, see paude_private_dst_parse); usually empty */
	struct paude_strvec allow_private_dst;
	enum paude_workspace_mode workspace_mode;
	/* MOUNT mode: workspace-relative directories hidden behind empty tmpfs mounts */
	struct paude_strvec venv_shadows;
	/* Run once in the workspace after the first start (a string setup is
	 * "sh" "-c" TEXT); empty: none. */
	struct paude_strvec setup;
	/* Limits of the agent (include/paude/session/limits.h); 0: none recorded, as
	 * for sessions from before limits existed. disk: 0 is no size limit. */
	uint64_t memory; /* bytes */
	unsigned cpus_milli;
	uint64_t disk; /* bytes */
	char *gateway; /* PAUDE_LABEL_GATEWAY, or NULL */
	/* Dev container lifecycle commands beyond a lone setup command (then
	 * setup is empty and lifecycle.hook[POST_CREATE] holds it). */
	struct paude_lifecycle lifecycle;
	/* remoteEnv: "K=V" ("${containerEnv:...}" resolved in the session) or "K"
	 * to unset, for the agent and the lifecycle commands */
	struct paude_strvec remote_env;
	struct paude_strvec forward_ports; /* ports `start --forward-ports` forwards */
	/* What the engine showed besides the labels (podman: the same ps). */
	bool paused;
	bool proxy_missing; /* a filtered session without its proxy container */
	bool proxy_stopped; /* the agent's container runs, its proxy does not */
	bool network_missing; /* a filtered session's agent is not on its network */
	long long started_at; /* Unix time the container last started; 0: unknown */
	long host_pid; /* the container's init on this host (podman ps "Pid"); 0: unknown */
	/* Not read from the engine's listing: filled by whoever checked. */
	enum paude_agent_state agent_state;
	int agent_exit;
};
#define PAUDE_SESSION_INIT                                                                         \
	{                                                                                          \
		.agent_args = PAUDE_STRVEC_INIT, .allowed_domains = PAUDE_STRVEC_INIT,             \
		.allow_private_dst = PAUDE_STRVEC_INIT, .venv_shadows = PAUDE_STRVEC_INIT,         \
		.setup = PAUDE_STRVEC_INIT, .lifecycle = PAUDE_LIFECYCLE_INIT,                     \
		.remote_env = PAUDE_STRVEC_INIT, .forward_ports = PAUDE_STRVEC_INIT                \
	}

struct paude_session_list {
	struct paude_session *v;
	size_t nr;
	size_t alloc;
};
#define PAUDE_SESSION_LIST_INIT                                                                    \
	{                                                                                          \
		0                                                                                  \
	}

struct paude_gateway;

/* What `create` asks a backend to make. Strings are borrowed from the caller. */
struct paude_mount {
	const char *host; /* absolute host path */
	const char *target; /* path in the container */
	bool read_only;
	bool relabel; /* SELinux: relabel the source for sharing (podman relabel=shared, ":z") */
};

struct paude_session_spec {
	struct paude_session meta; /* name, workspace, created, image, yolo, args, domains */
	struct paude_strvec env; /* "K=V" for the agent container */
	struct paude_mount *mounts;
	size_t n_mounts;
	/* MOUNT mode: the owner of the host workspace, whom the agent runs as
	 * (rootful podman), and whether podman runs rootless (then the calling
	 * user is mapped onto the agent's uid instead). */
	unsigned workspace_uid;
	bool rootless;
	/* Image of the network proxy (paude builds it, or takes
	 * $PAUDE_PROXY_IMAGE); NULL: none, an error for a session that needs
	 * one. Borrowed. */
	const char *proxy_image;
	/* Podman: the network the proxy reaches the allowed domains on
	 * ($PAUDE_PROXY_NETWORK); NULL: "podman". Borrowed. */
	const char *proxy_network;
	/* Podman: the seccomp profile file for the containers (it is read at
	 * create); NULL: the backend writes a private one for the call. Borrowed. */
	const char *seccomp_profile;
	/* The model gateway the proxy runs (net.h); NULL: none. Borrowed. */
	const struct paude_gateway *gateway;
};
#define PAUDE_SESSION_SPEC_INIT                                                                    \
	{                                                                                          \
		.meta = PAUDE_SESSION_INIT, .env = PAUDE_STRVEC_INIT                               \
	}

void paude_session_init(struct paude_session *s);
void paude_session_release(struct paude_session *s);
void paude_session_list_release(struct paude_session_list *l);
/* Append a zeroed session and return it. */
struct paude_session *paude_session_list_add(struct paude_session_list *l);
/* Move every session of from to the end of to; from is left empty. */
void paude_session_list_take_all(struct paude_session_list *to, struct paude_session_list *from);
/* Move the session called name out of l into *out (released first). False,
 * and *out untouched, when l has no such session. */
bool paude_session_list_take(struct paude_session *out, struct paude_session_list *l,
			     const char *name);
/* Sort by name. */
void paude_session_list_sort(struct paude_session_list *l);
void paude_session_spec_release(struct paude_session_spec *spec);

const char *paude_session_state_str(enum paude_session_state st);

/* PAUDE_EUSAGE with a message naming the rule if name is not valid. */
int paude_session_name_validate(const char *name, struct paude_error **err);
/* A valid name derived from a directory's basename ("My Project" -> "my-project";
 * "session" when nothing usable is left). Caller frees. */
char *paude_session_name_from_dir(const char *dir);

const char *paude_workspace_mode_str(enum paude_workspace_mode m);
/* "volume" or "mount"; PAUDE_EPROTO otherwise. */
int paude_workspace_mode_parse(enum paude_workspace_mode *out, const char *s,
			       struct paude_error **err);

/*
 * A directory inside the workspace named by a relative path (a venv to
 * shadow): non-empty, relative, no "." or ".." or empty components, no
 * control characters and no ',' (it lands in a podman --mount option).
 * PAUDE_EUSAGE naming it otherwise.
 */
int paude_workspace_subdir_validate(const char *rel, struct paude_error **err);

/* Fill the limits the user left at 0 with the defaults (memory, CPUs; the
 * disk stays unlimited). */
void paude_session_limits_default(struct paude_session *s);

/* The argv the agent runs: "claude" [--dangerously-skip-permissions] args... */
void paude_session_agent_argv(const struct paude_session *s, struct paude_strvec *out);

/*
 * Labels: encode the metadata as "KEY=VALUE" strings (values are plain
 * strings; lists are JSON arrays), and decode them back. Decoding ignores
 * unknown keys and fails with PAUDE_EPROTO on malformed values.
 */
void paude_session_to_labels(const struct paude_session *s, struct paude_strvec *out);
/* lookup(ctx, key) returns the label's value or NULL. *out must be
 * initialised; on success it is released and replaced (so set state, status
 * and backend after the call), on failure it is left untouched. */
int paude_session_from_labels(struct paude_session *out,
			      const char *(*lookup)(void *ctx, const char *key), void *ctx,
			      struct paude_error **err);

/* Decode a label holding a JSON array of strings (absent or empty: nothing)
 * and append its strings to out; PAUDE_EPROTO naming key otherwise. */
int paude_session_decode_list(struct paude_strvec *out, const char *key, const char *v,
			      struct paude_error **err);

/* Current time as RFC 3339 UTC ("2026-11-27T18:00:00Z"). Caller frees. */
char *paude_now_rfc3339(void);

#endif
