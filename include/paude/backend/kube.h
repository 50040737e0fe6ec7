/* SPDX-License-Identifier: MIT */
/*
 * The OpenShift/Kubernetes backend ("openshift", alias "kubernetes").
 *
 * Everything goes through `oc` (or `kubectl`) via the runner; objects are
 * generated here as JSON and applied with `TOOL apply -f -` on stdin. Per
 * session NAME, in one namespace:
 *   StatefulSet   paude-NAME          the agent pod paude-NAME-0 (replicas 1
 *                                     running, 0 stopped), PVC "workspace"
 *                                     from a volumeClaimTemplate on /pvc, a
 *                                     memory-backed emptyDir on /credentials
 *   Deployment    paude-proxy-NAME    squid (restricted networks only)
 *   Service       paude-proxy-NAME    port 3128 of the proxy pod
 *   NetworkPolicy paude-NAME-agent    agent: no ingress; egress only to its
 *                                     proxy pod on 3128 (unrestricted
 *                                     sessions: no egress rules, no proxy)
 *   NetworkPolicy paude-proxy-NAME    proxy: ingress only from its agent on
 *                                     3128; egress DNS and 80/443
 *   ConfigMap     paude-NAME-ca       the host CA bundle (when the session
 *                                     has one), mounted read-only at
 *                                     PAUDE_CA_BUNDLE_TARGET
 * Every object carries app=paude and paude.io/session-name=NAME labels
 * (paude.io/role=agent|proxy on pods); the session's metadata sits in the
 * StatefulSet's annotations (label values cannot hold JSON), so discovery
 * is one `get statefulsets -l app=paude -o json`.
 *
 * The agent reaches its proxy without DNS: the proxy Service is applied
 * first, its clusterIP read back, and the agent pod gets it in /etc/hosts
 * as PAUDE_PROXY_HOST (hostAliases), like the Podman backend.
 */
#ifndef PAUDE_KUBE_H
#define PAUDE_KUBE_H

#include <stdbool.h>
#include <json-c/json.h>
#include "paude/backend/backend.h"
#include "paude/net/allowlist.h"
#include "paude/net/net.h"
#include "paude/image/image.h"

#define PAUDE_KUBE_DEFAULT_PVC_SIZE "10Gi"
#define PAUDE_KUBE_CREDENTIALS_DIR "/credentials"
/* The host CA bundle's key in the session's ConfigMap, and its size limit
 * (a ConfigMap holds at most 1 MiB). */
#define PAUDE_KUBE_CA_KEY "ca-bundle.crt"
#define PAUDE_KUBE_CA_MAX ((size_t)1000 * 1024)
/* Longest wait for a pod to become ready, in seconds. */
#define PAUDE_KUBE_READY_TIMEOUT "300s"

extern const struct paude_backend_ops paude_backend_kube;

struct paude_kube_opts {
	const char *tool; /* "oc" or "kubectl"; NULL: oc if on PATH, else kubectl */
	const char *context; /* kubeconfig context; NULL: the current one */
	const char *namespace; /* NULL: the context's namespace (or "default") */
	const char *pvc_size; /* NULL: PAUDE_KUBE_DEFAULT_PVC_SIZE */
	const char *storage_class; /* NULL: the cluster's default */
	bool openshift; /* the cluster is OpenShift (the SCC assigns the uid) */
	bool redact; /* manifests for showing: the credentials Secret holds placeholders */
};

/* Open the backend with options (strings are copied). */
int paude_kube_open(struct paude_backend **out, struct paude_runner *runner,
		    const struct paude_kube_opts *opts, struct paude_error **err);

/* The tool, context and namespace the backend uses (namespace resolved on
 * first use; NULL before). Borrowed. */
const char *paude_kube_tool(struct paude_backend *b);
const char *paude_kube_context(struct paude_backend *b);
int paude_kube_namespace(struct paude_backend *b, const char **out, struct paude_error **err);

/* The context in use: the given one, else `config current-context` (NULL
 * if there is none). Caller frees. */
int paude_kube_current_context(struct paude_backend *b, char **out, struct paude_error **err);

/* Object names. Caller frees. */
char *paude_kube_statefulset_name(const char *session);
char *paude_kube_proxy_name(const char *session);
char *paude_kube_pod_name(const char *session);

/*
 * The manifests of a session as a JSON array of objects, in apply order
 * (network policies, proxy Service and Deployment, the CA bundle's
 * ConfigMap, StatefulSet). A mount of spec on PAUDE_CA_BUNDLE_TARGET is
 * the host CA bundle: its file is read into the ConfigMap.
 * proxy_ip: the proxy Service's clusterIP for the agent's hostAliases, or
 * NULL (dry run: left out). spec must be valid. Caller puts.
 */
int paude_kube_manifests(const struct paude_session_spec *spec, const struct paude_kube_opts *opts,
			 const char *proxy_ip, struct json_object **out, struct paude_error **err);

/* PAUDE_ENOTFOUND with a clear message if the namespace does not exist (a
 * user who may not read namespaces passes: the cluster will say more). */
/*
 * The strategic merge patch of deployment/paude-proxy-NAME that gives
 * session s's proxy the allowlist al (`paude network --allow/--deny`): the
 * proxy container's PAUDE_PROXY_CONF_ENV, and the policy as an annotation
 * of the pod template. The StatefulSet's annotation PAUDE_LABEL_DOMAINS
 * records it for get and list. PAUDE_EUSAGE for an unrestricted allowlist.
 */
int paude_kube_policy_patch(const struct paude_session *s, const struct paude_allowlist *al,
			    struct json_object **out, struct paude_error **err);

int paude_kube_check_namespace(struct paude_backend *b, struct paude_error **err);

/* True if the cluster is OpenShift (it serves build.openshift.io). */
int paude_kube_is_openshift(struct paude_backend *b, bool *out, struct paude_error **err);

/*
 * The ImageStream and BuildConfig (a JSON array) of an in-cluster binary
 * Docker build of target t into STREAM:TAG on base `base`.
 */
int paude_kube_build_manifests(const char *stream, const char *tag, const char *base,
			       const struct paude_image_target *t, bool no_cache,
			       struct json_object **out, struct paude_error **err);
/*
 * OpenShift: make sure the image of t exists in the namespace, built from
 * the same files as the local build and tagged with the same content hash:
 * an existing ImageStream tag is reused (unless o->rebuild); otherwise the
 * BuildConfig is applied and `start-build --from-dir --follow` streams the
 * build log. *out_ref: the pull spec the cluster gave the image.
 */
int paude_kube_image_ensure(struct paude_backend *b, const struct paude_image_target *t,
			    const struct paude_image_opts *o, char **out_ref,
			    struct paude_error **err);

/* One in-cluster build from files already generated (a custom image). */
struct paude_kube_build {
	const char *local_ref; /* localhost/REPO:HASH: the stream REPO, its tag HASH */
	const struct paude_image_files *files; /* the context; paths may have directories */
	const char *base; /* the BASE_IMAGE build argument */
	const struct paude_image_arg *args; /* further build arguments */
	size_t nargs;
};

/* Like paude_kube_image_ensure, for the files of kb. */
int paude_kube_image_build(struct paude_backend *b, const struct paude_kube_build *kb,
			   const struct paude_image_opts *o, char **out_ref,
			   struct paude_error **err);

/* Decode `get statefulsets -o json` (a List) into sessions. */
int paude_kube_parse_statefulsets(struct paude_session_list *out, const char *json, size_t len,
				  const char *location, struct paude_error **err);

/*
 * Turn a failed tool call into one line: what failed, what the cluster's
 * words most likely mean (not logged in, forbidden, namespace missing,
 * quota, cannot reach the cluster), then the tool's message.
 */
int paude_kube_error(struct paude_error **err, const char *what, const struct paude_child *c,
		     int status, const char *errtext, size_t errlen);

#endif
