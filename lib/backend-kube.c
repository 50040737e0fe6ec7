/* SPDX-License-Identifier: MIT */
/*
 * The OpenShift/Kubernetes backend (include/paude/kube.h has the object
 * model). Manifests are built with json-c and applied on stdin; state is
 * read back as JSON. Every oc/kubectl call goes through b->runner.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "paude/kube.h"
#include "paude/fs.h"
#include "paude/image.h"
#include "paude/json.h"
#include "paude/limits.h"
#include "paude/log.h"
#include "paude/podman.h"
#include "paude/signal.h"
#include "banned.h"

#define GET_OUTPUT_MAX (16u << 20)
#define ERR_MAX (1u << 16)
/* Debian's `proxy` user, which the proxy image runs squid as. */
#define PROXY_UID 13

struct kube_priv {
	char *tool;
	char *context;
	char *namespace;
	char *pvc_size;
	char *storage_class;
	bool openshift;
};

static struct kube_priv *
priv(struct paude_backend *b)
{
	return b->priv;
}

char *
paude_kube_statefulset_name(const char *session)
{
	return paude_podman_container_name(session);
}

char *
paude_kube_proxy_name(const char *session)
{
	return paude_xstrfmt("paude-proxy-%s", session);
}

char *
paude_kube_pod_name(const char *session)
{
	return paude_xstrfmt("paude-%s-0", session);
}

static char *
agent_policy_name(const char *session)
{
	return paude_xstrfmt("paude-%s-agent", session);
}

static char *
selector(const char *session)
{
	return paude_xstrfmt(PAUDE_LABEL_APP "=" PAUDE_LABEL_APP_VALUE "," PAUDE_LABEL_NAME "=%s",
			     session);
}

/* JSON building ------------------------------------------------------- */

static struct json_object *
jstr(const char *s)
{
	struct json_object *o = json_object_new_string(s);
	if (!o)
		abort();
	return o;
}

static struct json_object *
jobj(void)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		abort();
	return o;
}

static struct json_object *
jarr(void)
{
	struct json_object *o = json_object_new_array();
	if (!o)
		abort();
	return o;
}

/* Add and return the value, so nested objects read top-down. */
static struct json_object *
put(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
	return v;
}

static struct json_object *
push(struct json_object *a, struct json_object *v)
{
	json_object_array_add(a, v);
	return v;
}

static struct json_object *
labels(const char *session, const char *role)
{
	struct json_object *l = jobj();
	put(l, PAUDE_LABEL_APP, jstr(PAUDE_LABEL_APP_VALUE));
	put(l, PAUDE_LABEL_NAME, jstr(session));
	if (role)
		put(l, PAUDE_LABEL_ROLE, jstr(role));
	return l;
}

/* matchLabels for a pod selector inside one session. */
static struct json_object *
pod_selector(const char *session, const char *role)
{
	struct json_object *s = jobj();
	put(s, "matchLabels", labels(session, role));
	return s;
}

static struct json_object *
object(const char *api, const char *kind, const char *name, const char *session, const char *role)
{
	struct json_object *o = jobj();
	put(o, "apiVersion", jstr(api));
	put(o, "kind", jstr(kind));
	struct json_object *md = put(o, "metadata", jobj());
	put(md, "name", jstr(name));
	put(md, "labels", labels(session, role));
	return o;
}

static struct json_object *
port_rule(const char *proto, int port)
{
	struct json_object *p = jobj();
	put(p, "protocol", jstr(proto));
	put(p, "port", json_object_new_int(port));
	return p;
}

static struct json_object *
env_var(const char *name, const char *value)
{
	struct json_object *e = jobj();
	put(e, "name", jstr(name));
	put(e, "value", jstr(value));
	return e;
}

/* The container hardening both pods share. */
static struct json_object *
container_security(void)
{
	struct json_object *sc = jobj();
	put(sc, "allowPrivilegeEscalation", json_object_new_boolean(0));
	put(sc, "runAsNonRoot", json_object_new_boolean(1));
	struct json_object *caps = put(sc, "capabilities", jobj());
	push(put(caps, "drop", jarr()), jstr("ALL"));
	put(put(sc, "seccompProfile", jobj()), "type", jstr("RuntimeDefault"));
	return sc;
}

/*
 * Pod-level sysctls. Only the "safe" set is allowed by default (kubelet
 * refuses a pod with any other, SysctlForbidden; OpenShift's SCCs too), so
 * IPv6 cannot be switched off here the way Podman sessions have it
 * (net.ipv6.conf.*.disable_ipv6 is an unsafe sysctl); on a cluster the
 * NetworkPolicies, which cover both address families, bound the pods.
 * Unprivileged ICMP sockets (ping) are off: that one is safe.
 */
static struct json_object *
pod_sysctls(void)
{
	struct json_object *arr = jarr();
	struct json_object *s = push(arr, jobj());
	put(s, "name", jstr("net.ipv4.ping_group_range"));
	put(s, "value", jstr(PAUDE_PING_GROUP_RANGE_OFF));
	return arr;
}

/*
 * On OpenShift the SCC picks the uid (and fsGroup) from the namespace's
 * range, and setting one would be refused; elsewhere runAsNonRoot needs a
 * numeric uid, because the images name their user.
 */
static struct json_object *
pod_security(const struct paude_kube_opts *opts, int uid, int gid)
{
	struct json_object *sc = jobj();
	put(sc, "runAsNonRoot", json_object_new_boolean(1));
	put(put(sc, "seccompProfile", jobj()), "type", jstr("RuntimeDefault"));
	put(sc, "sysctls", pod_sysctls());
	if (!opts->openshift) {
		put(sc, "runAsUser", json_object_new_int(uid));
		put(sc, "runAsGroup", json_object_new_int(gid));
		put(sc, "fsGroup", json_object_new_int(gid));
	}
	return sc;
}

/*
 * Requests are what the scheduler reserves, limits what the container may
 * use: the same limits as a podman session's; requests a fraction of them
 * (never above the limit).
 */
static struct json_object *
resources(unsigned cpu_req_milli, uint64_t mem_req, unsigned cpu_limit_milli, uint64_t mem_limit)
{
	if (cpu_limit_milli && cpu_req_milli > cpu_limit_milli)
		cpu_req_milli = cpu_limit_milli;
	if (mem_limit && mem_req > mem_limit)
		mem_req = mem_limit;
	_cleanup_free_ char *cr = paude_cpus_format_kube(cpu_req_milli);
	_cleanup_free_ char *mr = paude_size_format_kube(mem_req);
	struct json_object *r = jobj();
	struct json_object *req = put(r, "requests", jobj());
	put(req, "cpu", jstr(cr));
	put(req, "memory", jstr(mr));
	struct json_object *lim = put(r, "limits", jobj());
	if (cpu_limit_milli) {
		_cleanup_free_ char *cl = paude_cpus_format_kube(cpu_limit_milli);
		put(lim, "cpu", jstr(cl));
	}
	_cleanup_free_ char *ml =
	    paude_size_format_kube(mem_limit ? mem_limit : PAUDE_DEFAULT_MEMORY);
	put(lim, "memory", jstr(ml));
	return r;
}

/* emptyDir in memory for a read-only root filesystem's writable places. */
static void
memory_dir(struct json_object *pod, struct json_object *mounts, const char *vname, const char *path,
	   const char *size)
{
	struct json_object *vols = json_object_object_get(pod, "volumes");
	if (!vols)
		vols = put(pod, "volumes", jarr());
	struct json_object *vol = push(vols, jobj());
	put(vol, "name", jstr(vname));
	struct json_object *ed = put(vol, "emptyDir", jobj());
	put(ed, "medium", jstr("Memory"));
	put(ed, "sizeLimit", jstr(size));
	struct json_object *m = push(mounts, jobj());
	put(m, "name", jstr(vname));
	put(m, "mountPath", jstr(path));
}

static void
pod_common(struct json_object *pod)
{
	/* The agent has no business with the cluster's API or its services. */
	put(pod, "automountServiceAccountToken", json_object_new_boolean(0));
	put(pod, "enableServiceLinks", json_object_new_boolean(0));
	put(pod, "terminationGracePeriodSeconds", json_object_new_int(10));
}

/* Manifests ----------------------------------------------------------- */

static struct json_object *
agent_policy(const char *name, bool restricted, bool gateway)
{
	_cleanup_free_ char *pname = agent_policy_name(name);
	struct json_object *o = object("networking.k8s.io/v1", "NetworkPolicy", pname, name, NULL);
	struct json_object *spec = put(o, "spec", jobj());
	put(spec, "podSelector", pod_selector(name, "agent"));
	struct json_object *types = put(spec, "policyTypes", jarr());
	/* No ingress rules: nothing may connect to the agent (exec goes
	 * through the kubelet, not the pod network). */
	push(types, jstr("Ingress"));
	put(spec, "ingress", jarr());
	if (!restricted)
		return o;
	/* Egress only to its own proxy; no DNS (the proxy's address is in
	 * /etc/hosts), so names cannot carry data out either. */
	push(types, jstr("Egress"));
	struct json_object *rule = push(put(spec, "egress", jarr()), jobj());
	struct json_object *to = push(put(rule, "to", jarr()), jobj());
	put(to, "podSelector", pod_selector(name, "proxy"));
	struct json_object *ports = put(rule, "ports", jarr());
	push(ports, port_rule("TCP", PAUDE_PROXY_PORT));
	if (gateway)
		push(ports, port_rule("TCP", PAUDE_GATEWAY_PORT));
	return o;
}

static struct json_object *
proxy_policy(const char *name, bool gateway)
{
	_cleanup_free_ char *pname = paude_kube_proxy_name(name);
	struct json_object *o = object("networking.k8s.io/v1", "NetworkPolicy", pname, name, NULL);
	struct json_object *spec = put(o, "spec", jobj());
	put(spec, "podSelector", pod_selector(name, "proxy"));
	struct json_object *types = put(spec, "policyTypes", jarr());
	push(types, jstr("Ingress"));
	push(types, jstr("Egress"));
	struct json_object *in = push(put(spec, "ingress", jarr()), jobj());
	struct json_object *from = push(put(in, "from", jarr()), jobj());
	put(from, "podSelector", pod_selector(name, "agent"));
	struct json_object *in_ports = put(in, "ports", jarr());
	push(in_ports, port_rule("TCP", PAUDE_PROXY_PORT));
	if (gateway)
		push(in_ports, port_rule("TCP", PAUDE_GATEWAY_PORT));
	struct json_object *egress = put(spec, "egress", jarr());
	/* squid resolves the allowed names: DNS (OpenShift's DNS pods listen
	 * on 5353 behind the service's 53), then the web ports it forwards. */
	struct json_object *dns = put(push(egress, jobj()), "ports", jarr());
	push(dns, port_rule("UDP", 53));
	push(dns, port_rule("TCP", 53));
	push(dns, port_rule("UDP", 5353));
	push(dns, port_rule("TCP", 5353));
	struct json_object *web = put(push(egress, jobj()), "ports", jarr());
	push(web, port_rule("TCP", 80));
	push(web, port_rule("TCP", 443));
	return o;
}

static struct json_object *
proxy_service(const char *name, bool gateway)
{
	_cleanup_free_ char *pname = paude_kube_proxy_name(name);
	struct json_object *o = object("v1", "Service", pname, name, NULL);
	struct json_object *spec = put(o, "spec", jobj());
	put(spec, "type", jstr("ClusterIP"));
	put(spec, "selector", labels(name, "proxy"));
	struct json_object *p = push(put(spec, "ports", jarr()), jobj());
	put(p, "name", jstr("proxy"));
	put(p, "protocol", jstr("TCP"));
	put(p, "port", json_object_new_int(PAUDE_PROXY_PORT));
	put(p, "targetPort", json_object_new_int(PAUDE_PROXY_PORT));
	if (gateway) {
		p = push(json_object_object_get(spec, "ports"), jobj());
		put(p, "name", jstr("gateway"));
		put(p, "protocol", jstr("TCP"));
		put(p, "port", json_object_new_int(PAUDE_GATEWAY_PORT));
		put(p, "targetPort", json_object_new_int(PAUDE_GATEWAY_PORT));
	}
	return o;
}

static char *
gateway_secret_name(const char *session)
{
	_cleanup_free_ char *p = paude_kube_proxy_name(session);
	return paude_xstrfmt("%s-credentials", p);
}

#define GATEWAY_ADC_KEY "adc.json"
#define GATEWAY_API_KEY "anthropic-api-key"

/*
 * The model credentials, for the proxy pod only: the ADC file's contents or
 * the API key. redact: placeholders instead (for --dry-run output).
 */
static int
gateway_secret(const char *name, const struct paude_gateway *g, bool redact,
	       struct json_object **out, struct paude_error **err)
{
	_cleanup_free_ char *sname = gateway_secret_name(name);
	_cleanup_json_ struct json_object *o = object("v1", "Secret", sname, name, "proxy");
	put(o, "type", jstr("Opaque"));
	struct json_object *sd = put(o, "stringData", jobj());
	const char *shown = "(the credentials, read at create; not shown)";
	if (!strcmp(g->provider, "vertex")) {
		_cleanup_buf_ struct paude_buf adc = PAUDE_BUF_INIT_MAX((size_t)64 * 1024);
		if (!redact) {
			int r = paude_buf_read_file(&adc, g->adc_host_file, err);
			if (r < 0)
				return paude_error_wrap(err, "cannot read the Google credentials");
		}
		put(sd, GATEWAY_ADC_KEY, jstr(redact ? shown : adc.buf));
	} else if (!strcmp(g->provider, "anthropic")) {
		const char *key = getenv("ANTHROPIC_API_KEY");
		if (!redact && (!key || !*key))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "ANTHROPIC_API_KEY is not set");
		put(sd, GATEWAY_API_KEY, jstr(redact ? shown : key));
	}
	*out = TAKE_PTR(o);
	return 0;
}

/* The gateway in the proxy's container: its settings, the credentials from
 * the Secret (a read-only volume, or the key as a variable), its port. */
static void
gateway_container(struct json_object *pod, struct json_object *c, const char *name,
		  const struct paude_gateway *g)
{
	_cleanup_free_ char *sname = gateway_secret_name(name);
	struct json_object *env = json_object_object_get(c, "env");
	char listen[32];
	(void)snprintf(listen, sizeof(listen), "0.0.0.0:%d", PAUDE_GATEWAY_PORT);
	push(env, env_var("PAUDE_GATEWAY_LISTEN", listen));
	push(env, env_var("PAUDE_GATEWAY_PROVIDER", g->provider));
	const struct {
		const char *name, *value;
	} vars[] = {
		{ "PAUDE_GATEWAY_PROJECT", g->project },
		{ "PAUDE_GATEWAY_REGIONS", g->regions },
		{ "PAUDE_GATEWAY_TOKEN_URL", g->token_url },
		{ "PAUDE_GATEWAY_VERTEX_URL", g->vertex_url },
		{ "PAUDE_GATEWAY_ANTHROPIC_URL", g->anthropic_url },
	};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (vars[i].value)
			push(env, env_var(vars[i].name, vars[i].value));
	if (!strcmp(g->provider, "vertex")) {
		push(env, env_var("PAUDE_GATEWAY_ADC", PAUDE_GATEWAY_ADC_DIR "/" GATEWAY_ADC_KEY));
		struct json_object *mounts = json_object_object_get(c, "volumeMounts");
		if (!mounts)
			mounts = put(c, "volumeMounts", jarr());
		struct json_object *vm = push(mounts, jobj());
		put(vm, "name", jstr("gateway-credentials"));
		put(vm, "mountPath", jstr(PAUDE_GATEWAY_ADC_DIR));
		put(vm, "readOnly", json_object_new_boolean(1));
		struct json_object *vols = json_object_object_get(pod, "volumes");
		if (!vols)
			vols = put(pod, "volumes", jarr());
		struct json_object *vol = push(vols, jobj());
		put(vol, "name", jstr("gateway-credentials"));
		struct json_object *sv = put(vol, "secret", jobj());
		put(sv, "secretName", jstr(sname));
		put(sv, "defaultMode", json_object_new_int(0444));
	} else if (!strcmp(g->provider, "anthropic")) {
		struct json_object *e = push(env, jobj());
		put(e, "name", jstr("ANTHROPIC_API_KEY"));
		struct json_object *ref = put(put(e, "valueFrom", jobj()), "secretKeyRef", jobj());
		put(ref, "name", jstr(sname));
		put(ref, "key", jstr(GATEWAY_API_KEY));
	}
	struct json_object *p = push(json_object_object_get(c, "ports"), jobj());
	put(p, "name", jstr("gateway"));
	put(p, "containerPort", json_object_new_int(PAUDE_GATEWAY_PORT));
	put(p, "protocol", jstr("TCP"));
}

static struct json_object *
proxy_deployment(const char *name, const char *image, const char *squid_conf,
		 const struct paude_kube_opts *opts, const struct paude_gateway *g)
{
	_cleanup_free_ char *pname = paude_kube_proxy_name(name);
	struct json_object *o = object("apps/v1", "Deployment", pname, name, "proxy");
	struct json_object *spec = put(o, "spec", jobj());
	put(spec, "replicas", json_object_new_int(0));
	put(spec, "selector", pod_selector(name, "proxy"));
	put(put(spec, "strategy", jobj()), "type", jstr("Recreate"));
	struct json_object *tmpl = put(spec, "template", jobj());
	put(put(tmpl, "metadata", jobj()), "labels", labels(name, "proxy"));
	struct json_object *pod = put(tmpl, "spec", jobj());
	pod_common(pod);
	put(pod, "securityContext", pod_security(opts, PROXY_UID, PROXY_UID));
	struct json_object *c = push(put(pod, "containers", jarr()), jobj());
	put(c, "name", jstr("proxy"));
	put(c, "image", jstr(image));
	put(c, "imagePullPolicy", jstr("IfNotPresent"));
	push(put(c, "env", jarr()), env_var(PAUDE_PROXY_CONF_ENV, squid_conf));
	struct json_object *p = push(put(c, "ports", jarr()), jobj());
	put(p, "name", jstr("proxy"));
	put(p, "containerPort", json_object_new_int(PAUDE_PROXY_PORT));
	put(p, "protocol", jstr("TCP"));
	struct json_object *probe = put(c, "readinessProbe", jobj());
	put(put(probe, "tcpSocket", jobj()), "port", json_object_new_int(PAUDE_PROXY_PORT));
	put(probe, "periodSeconds", json_object_new_int(2));
	put(c, "resources", resources(50, 64ull << 20, PAUDE_PROXY_CPUS_MILLI, PAUDE_PROXY_MEMORY));
	struct json_object *sc = container_security();
	/* As on podman: squid writes only to bounded memory directories. */
	put(sc, "readOnlyRootFilesystem", json_object_new_boolean(1));
	put(c, "securityContext", sc);
	struct json_object *vm = put(c, "volumeMounts", jarr());
	memory_dir(pod, vm, "run", "/run/paude-proxy", "16Mi");
	memory_dir(pod, vm, "log", "/var/log/squid", "64Mi");
	memory_dir(pod, vm, "spool", "/var/spool/squid", "16Mi");
	memory_dir(pod, vm, "tmp", "/tmp", "16Mi");
	if (g)
		gateway_container(pod, c, name, g);
	return o;
}

static bool
is_mount_target(const struct paude_session_spec *spec, const char *value)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (!strcmp(spec->mounts[i].target, value))
			return true;
	return false;
}

/* The host CA bundle's mount, if the session has one. */
static const struct paude_mount *
ca_mount(const struct paude_session_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (!strcmp(spec->mounts[i].target, PAUDE_CA_BUNDLE_TARGET))
			return &spec->mounts[i];
	return NULL;
}

static char *
ca_config_map_name(const char *session)
{
	return paude_xstrfmt("paude-%s-ca", session);
}

/* A CA bundle is public: a ConfigMap, not a Secret. */
static struct json_object *
ca_config_map(const char *session, const char *pem)
{
	_cleanup_free_ char *cm = ca_config_map_name(session);
	struct json_object *o = object("v1", "ConfigMap", cm, session, NULL);
	put(put(o, "data", jobj()), PAUDE_KUBE_CA_KEY, jstr(pem));
	return o;
}

static struct json_object *
agent_statefulset(const struct paude_session_spec *spec, const struct paude_kube_opts *opts,
		  bool restricted, const char *proxy_ip, bool with_ca, bool gateway)
{
	const struct paude_session *m = &spec->meta;
	const char *name = m->name;
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	struct json_object *o = object("apps/v1", "StatefulSet", sts, name, NULL);

	/* The metadata: values may be long JSON, so annotations, not labels. */
	struct json_object *ann = put(json_object_object_get(o, "metadata"), "annotations", jobj());
	_cleanup_strvec_ struct paude_strvec kv = PAUDE_STRVEC_INIT;
	paude_session_to_labels(m, &kv);
	for (size_t i = 0; i < kv.nr; i++) {
		size_t k = strcspn(kv.v[i], "=");
		_cleanup_free_ char *key = strndup(kv.v[i], k);
		if (!key)
			abort();
		if (strcmp(key, PAUDE_LABEL_APP) != 0 && strcmp(key, PAUDE_LABEL_NAME) != 0)
			put(ann, key, jstr(kv.v[i] + k + 1));
	}

	struct json_object *spec_o = put(o, "spec", jobj());
	put(spec_o, "replicas", json_object_new_int(0));
	put(spec_o, "serviceName", jstr(sts));
	put(spec_o, "selector", pod_selector(name, "agent"));
	struct json_object *ret = put(spec_o, "persistentVolumeClaimRetentionPolicy", jobj());
	put(ret, "whenDeleted", jstr("Delete"));
	put(ret, "whenScaled", jstr("Retain"));

	struct json_object *tmpl = put(spec_o, "template", jobj());
	put(put(tmpl, "metadata", jobj()), "labels", labels(name, "agent"));
	struct json_object *pod = put(tmpl, "spec", jobj());
	pod_common(pod);
	put(pod, "securityContext", pod_security(opts, 1000, 0));
	if (restricted && proxy_ip) {
		struct json_object *ha = push(put(pod, "hostAliases", jarr()), jobj());
		put(ha, "ip", jstr(proxy_ip));
		push(put(ha, "hostnames", jarr()), jstr(PAUDE_PROXY_HOST));
	}

	struct json_object *c = push(put(pod, "containers", jarr()), jobj());
	put(c, "name", jstr("agent"));
	put(c, "image", jstr(m->image));
	put(c, "imagePullPolicy", jstr("IfNotPresent"));
	/* The image's entrypoint records these words for paude-session. */
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_session_agent_argv(m, &argv);
	struct json_object *args = put(c, "args", jarr());
	for (size_t i = 0; i < argv.nr; i++)
		push(args, jstr(argv.v[i]));
	put(c, "workingDir", jstr(PAUDE_WORKSPACE_DIR));

	struct json_object *env = put(c, "env", jarr());
	for (size_t i = 0; i < spec->env.nr; i++) {
		const char *e = spec->env.v[i];
		size_t k = strcspn(e, "=");
		if (!e[k] || k == 0)
			continue;
		/* Host files are not mounted on a cluster: a variable naming one
		 * would point at nothing. The CA bundle comes from its ConfigMap. */
		if (is_mount_target(spec, e + k + 1) &&
		    !(with_ca && !strcmp(e + k + 1, PAUDE_CA_BUNDLE_TARGET)))
			continue;
		_cleanup_free_ char *key = strndup(e, k);
		if (!key)
			abort();
		push(env, env_var(key, e + k + 1));
	}
	/* With a gateway the credentials are in the proxy pod, never here. */
	if (!gateway)
		push(env, env_var("CLOUDSDK_CONFIG", PAUDE_KUBE_CREDENTIALS_DIR "/gcloud"));
	if (restricted) {
		char url[64];
		(void)snprintf(url, sizeof(url), "http://%s:%d", PAUDE_PROXY_HOST,
			       PAUDE_PROXY_PORT);
		static const char *const pv[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
						  "https_proxy" };
		for (size_t i = 0; i < ARRAY_SIZE(pv); i++)
			push(env, env_var(pv[i], url));
		const char *np = gateway ? "localhost,127.0.0.1,::1," PAUDE_PROXY_HOST
					 : "localhost,127.0.0.1,::1";
		push(env, env_var("NO_PROXY", np));
		push(env, env_var("no_proxy", np));
	}

	struct json_object *vm = put(c, "volumeMounts", jarr());
	struct json_object *v = push(vm, jobj());
	put(v, "name", jstr("workspace"));
	put(v, "mountPath", jstr("/pvc"));
	v = push(vm, jobj());
	put(v, "name", jstr("credentials"));
	put(v, "mountPath", jstr(PAUDE_KUBE_CREDENTIALS_DIR));
	if (with_ca) {
		v = push(vm, jobj());
		put(v, "name", jstr("ca-bundle"));
		put(v, "mountPath", jstr(PAUDE_CA_BUNDLE_TARGET));
		put(v, "subPath", jstr(PAUDE_KUBE_CA_KEY));
		put(v, "readOnly", json_object_new_boolean(1));
	}
	put(c, "resources", resources(250, 1ull << 30, m->cpus_milli, m->memory));
	put(c, "securityContext", container_security());

	/* Credentials live in RAM only: gone when the pod stops. */
	struct json_object *vol = push(put(pod, "volumes", jarr()), jobj());
	put(vol, "name", jstr("credentials"));
	struct json_object *ed = put(vol, "emptyDir", jobj());
	put(ed, "medium", jstr("Memory"));
	put(ed, "sizeLimit", jstr("64Mi"));
	if (with_ca) {
		_cleanup_free_ char *cm = ca_config_map_name(name);
		vol = push(json_object_object_get(pod, "volumes"), jobj());
		put(vol, "name", jstr("ca-bundle"));
		struct json_object *cmv = put(vol, "configMap", jobj());
		put(cmv, "name", jstr(cm));
		put(cmv, "defaultMode", json_object_new_int(0444));
	}

	struct json_object *pvc = push(put(spec_o, "volumeClaimTemplates", jarr()), jobj());
	struct json_object *pmd = put(pvc, "metadata", jobj());
	put(pmd, "name", jstr("workspace"));
	put(pmd, "labels", labels(name, NULL));
	struct json_object *ps = put(pvc, "spec", jobj());
	push(put(ps, "accessModes", jarr()), jstr("ReadWriteOnce"));
	put(put(put(ps, "resources", jobj()), "requests", jobj()), "storage",
	    jstr(opts->pvc_size ? opts->pvc_size : PAUDE_KUBE_DEFAULT_PVC_SIZE));
	if (opts->storage_class)
		put(ps, "storageClassName", jstr(opts->storage_class));
	return o;
}

static bool
valid_quantity(const char *s)
{
	/* A plain Kubernetes storage quantity: digits and a binary or decimal suffix. */
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 12)
		return false;
	static const char *const suffixes[] = { "",  "Ki", "Mi", "Gi", "Ti", "Pi",
						"k", "M",  "G",  "T",  "P" };
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (!strcmp(s + n, suffixes[i]))
			return true;
	return false;
}

static bool
valid_dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || paude_looks_like_option(s))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static int
check_opts(const struct paude_kube_opts *opts, struct paude_error **err)
{
	if (opts->pvc_size && !valid_quantity(opts->pvc_size))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid PVC size '%s' (write a quantity such as 10Gi)",
				       opts->pvc_size);
	if (opts->storage_class && !valid_dns_subdomain(opts->storage_class))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid storage class '%s'",
				       opts->storage_class);
	return 0;
}

int
paude_kube_manifests(const struct paude_session_spec *spec, const struct paude_kube_opts *opts,
		     const char *proxy_ip, struct json_object **out, struct paude_error **err)
{
	const char *name = spec->meta.name;
	int r = check_opts(opts, err);
	if (r < 0)
		return r;
	_cleanup_(paude_allowlist_release) struct paude_allowlist al;
	paude_allowlist_init(&al);
	if ((r = paude_allowlist_parse(&al, (const char *const *)spec->meta.allowed_domains.v,
				       err)) < 0)
		return r;
	_cleanup_json_ struct json_object *items = jarr();
	/* The gateway lives in the proxy pod: a session without one has none. */
	const struct paude_gateway *g = al.unrestricted ? NULL : spec->gateway;
	push(items, agent_policy(name, !al.unrestricted, g != NULL));
	if (g && strcmp(g->provider, "none") != 0) {
		struct json_object *secret = NULL;
		if ((r = gateway_secret(name, g, opts->redact, &secret, err)) < 0)
			return r;
		push(items, secret);
	}
	if (!al.unrestricted) {
		if (!spec->proxy_image || !*spec->proxy_image)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "no network proxy image for session '%s'", name);
		_cleanup_buf_ struct paude_buf conf = PAUDE_BUF_INIT;
		const struct paude_squid_opts sq = {
			.session = name,
			.allow_private_dst = (const char *const *)spec->meta.allow_private_dst.v,
		};
		if ((r = paude_squid_config(&conf, &al, &sq, err)) < 0)
			return r;
		push(items, proxy_policy(name, g != NULL));
		push(items, proxy_service(name, g != NULL));
		push(items, proxy_deployment(name, spec->proxy_image, conf.buf, opts, g));
	}
	const struct paude_mount *cam = ca_mount(spec);
	if (cam) {
		_cleanup_buf_ struct paude_buf ca = PAUDE_BUF_INIT_MAX(PAUDE_KUBE_CA_MAX);
		if ((r = paude_buf_read_file(&ca, cam->host, err)) < 0) {
			paude_error_wrap(
			    err,
			    "cannot give CA bundle '%s' to session '%s' (its ConfigMap "
			    "holds at most %zu KiB; set PAUDE_CA_BUNDLE to another file, "
			    "or empty for none)",
			    cam->host, name, PAUDE_KUBE_CA_MAX / 1024);
			return r;
		}
		if (strlen(ca.buf) != ca.len)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "CA bundle '%s' is not text (set PAUDE_CA_BUNDLE to "
					       "a PEM file, or empty for none)",
					       cam->host);
		push(items, ca_config_map(name, ca.buf));
	}
	push(items,
	     agent_statefulset(spec, opts, !al.unrestricted, proxy_ip, cam != NULL, g != NULL));
	*out = TAKE_PTR(items);
	return 0;
}

/* Running the tool ---------------------------------------------------- */

static void
kube_child(struct paude_backend *b, struct paude_child *c, bool with_ns)
{
	struct kube_priv *p = priv(b);
	paude_child_init(c);
	paude_strvec_push(&c->args, p->tool);
	if (p->context)
		paude_strvec_pushf(&c->args, "--context=%s", p->context);
	if (with_ns && p->namespace)
		paude_strvec_pushf(&c->args, "--namespace=%s", p->namespace);
}

static bool
has(const char *text, const char *needle)
{
	return text && strstr(text, needle);
}

int
paude_kube_error(struct paude_error **err, const char *what, const struct paude_child *c,
		 int status, const char *errtext, size_t errlen)
{
	const char *tool = c && c->args.nr ? c->args.v[0] : "oc";
	_cleanup_free_ char *t = strndup(errtext ? errtext : "", errlen);
	if (!t)
		abort();
	const char *hint = NULL;
	if (has(t, "Unauthorized") || has(t, "must be logged in") || has(t, "provide credentials"))
		hint = !strcmp(tool, "oc") ? "not logged in to the cluster (log in with: oc login)"
					   : "not logged in to the cluster (check your kubeconfig)";
	else if (has(t, "Unable to connect to the server") || has(t, "connection refused") ||
		 has(t, "no such host") || has(t, "i/o timeout"))
		hint = "cannot reach the cluster (check the context and your network)";
	else if (has(t, "exceeded quota") || has(t, "exceeds quota"))
		hint = "the namespace's resource quota is exhausted (free resources or ask for "
		       "more)";
	else if (has(t, "Forbidden") || has(t, "forbidden"))
		hint = "not allowed by the cluster (ask for rights in this namespace)";
	else if (has(t, "namespaces \"") && has(t, "not found"))
		hint = "the namespace does not exist (paude does not create namespaces)";
	else if (has(t, "context") && has(t, "does not exist"))
		hint = "no such kubeconfig context (see: oc config get-contexts)";
	paude_child_error(err, c, status, t, strlen(t));
	if (hint && what)
		return paude_error_wrap(err, "%s: %s", what, hint);
	if (hint)
		return paude_error_wrap(err, "%s", hint);
	if (what)
		return paude_error_wrap(err, "%s", what);
	return PAUDE_ECHILD;
}

/* Run; stdout into out (may be NULL); failure: a classified error naming what. */
static int
kube_run(struct paude_backend *b, struct paude_child *c, const char *in, struct paude_buf *out,
	 const char *what, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	if (!out)
		c->no_stdout = 1; /* "scaled", "configured": not for the user */
	int r =
	    paude_run_capture(b->runner, c, in, in ? strlen(in) : 0, out, &errbuf, &status, err);
	if (r < 0) {
		if (r == PAUDE_ENOTFOUND)
			return paude_error_wrap(err,
						"'%s' is not installed (install the OpenShift "
						"or Kubernetes command-line tools)",
						c->args.v[0]);
		return r;
	}
	if (status != 0)
		return paude_kube_error(err, what, c, status, errbuf.buf, errbuf.len);
	return 0;
}

static void
push_args(struct paude_child *c, va_list ap)
{
	const char *s;
	while ((s = va_arg(ap, const char *)))
		paude_strvec_push(&c->args, s);
}

/* TOOL [--context] --namespace=NS ARGS... */
static int
kube_call(struct paude_backend *b, struct paude_buf *out, const char *what,
	  struct paude_error **err, ...)
{
	_cleanup_child_ struct paude_child c;
	kube_child(b, &c, true);
	va_list ap;
	va_start(ap, err);
	push_args(&c, ap);
	va_end(ap);
	return kube_run(b, &c, NULL, out, what, err);
}

int
paude_kube_namespace(struct paude_backend *b, const char **out, struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	if (!p->namespace) {
		_cleanup_child_ struct paude_child c;
		kube_child(b, &c, false);
		paude_strvec_pushl(&c.args, "config", "view", "--minify", "--output",
				   "jsonpath={..namespace}", NULL);
		_cleanup_buf_ struct paude_buf ns = PAUDE_BUF_INIT_MAX(4096);
		int r = kube_run(b, &c, NULL, &ns, "cannot read the current namespace", err);
		if (r < 0)
			return r;
		paude_buf_rtrim(&ns);
		const char *v = ns.len ? ns.buf : "default";
		if (!valid_dns_subdomain(v))
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "the current context names namespace '%s', which is "
					       "not a valid name",
					       v);
		p->namespace = strdup(v);
		if (!p->namespace)
			abort();
	}
	*out = p->namespace;
	return 0;
}

const char *
paude_kube_tool(struct paude_backend *b)
{
	return priv(b)->tool;
}

const char *
paude_kube_context(struct paude_backend *b)
{
	return priv(b)->context;
}

static int
check_name(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	const char *ns = NULL;
	return paude_kube_namespace(b, &ns, err);
}

/* Discovery ----------------------------------------------------------- */

struct meta_ctx {
	struct json_object *labels, *annotations;
};

static const char *
meta_lookup(void *ctx, const char *key)
{
	struct meta_ctx *m = ctx;
	const char *v = paude_json_get_str(m->annotations, key);
	return v ? v : paude_json_get_str(m->labels, key);
}

static int
json_int(struct json_object *o, const char *key, int dflt)
{
	struct json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int(v);
}

int
paude_kube_parse_statefulsets(struct paude_session_list *out, const char *json, size_t len,
			      const char *location, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "statefulset list", err);
	if (r < 0)
		return r;
	struct json_object *items = paude_json_get_array(root, "items");
	if (!items)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "statefulset list: expected an object with 'items'");
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct json_object *md = paude_json_get_obj(it, "metadata");
		struct meta_ctx mc = { paude_json_get_obj(md, "labels"),
				       paude_json_get_obj(md, "annotations") };
		const char *app = paude_json_get_str(mc.labels, PAUDE_LABEL_APP);
		if (!app || strcmp(app, PAUDE_LABEL_APP_VALUE) != 0)
			continue;
		struct paude_session s;
		paude_session_init(&s);
		_cleanup_error_ struct paude_error *lerr = NULL;
		if (paude_session_from_labels(&s, meta_lookup, &mc, &lerr) < 0) {
			paude_debug("skipping statefulset with bad metadata: %s", lerr->msg);
			continue;
		}
		struct paude_session *d = paude_session_list_add(out);
		*d = s;
		int want = json_int(paude_json_get_obj(it, "spec"), "replicas", 1);
		int ready = json_int(paude_json_get_obj(it, "status"), "readyReplicas", 0);
		if (want == 0) {
			d->state = PAUDE_SESSION_STOPPED;
			d->status = strdup("stopped (0 replicas)");
		} else if (ready >= want) {
			d->state = PAUDE_SESSION_RUNNING;
			d->status = strdup("running (pod ready)");
		} else {
			/* Starting, or stuck: `start` waits and says why. */
			d->state = PAUDE_SESSION_UNKNOWN;
			d->status = strdup("starting (pod not ready)");
		}
		d->backend = strdup("openshift");
		d->location = location ? strdup(location) : NULL;
		if (!d->backend || !d->status || (location && !d->location))
			abort();
	}
	return 0;
}

static char *
location_of(struct paude_backend *b)
{
	struct kube_priv *p = priv(b);
	return paude_xstrfmt("%s%s%s", p->context ? p->context : "", p->context ? "/" : "",
			     p->namespace ? p->namespace : "");
}

static int
get_statefulsets(struct paude_backend *b, const char *name, struct paude_session_list *out,
		 struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(GET_OUTPUT_MAX);
	_cleanup_free_ char *sel =
	    name ? selector(name) : strdup(PAUDE_LABEL_APP "=" PAUDE_LABEL_APP_VALUE);
	if (!sel)
		abort();
	int r = kube_call(b, &buf, "cannot list sessions on the cluster", err, "get",
			  "statefulsets", "--selector", sel, "--output", "json", NULL);
	if (r < 0)
		return r;
	_cleanup_free_ char *loc = location_of(b);
	return paude_kube_parse_statefulsets(out, buf.buf, buf.len, loc, err);
}

static int
kube_list(struct paude_backend *b, struct paude_session_list *out, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = get_statefulsets(b, NULL, &l, err)) < 0)
		return r;
	paude_session_list_take_all(out, &l);
	paude_session_list_sort(out);
	return 0;
}

static int
kube_get(struct paude_backend *b, const char *name, struct paude_session *out,
	 struct paude_error **err)
{
	int r = check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = get_statefulsets(b, name, &l, err)) < 0)
		return r;
	if (paude_session_list_take(out, &l, name))
		return 0;
	return paude_error_set(err, PAUDE_ENOTFOUND, 0,
			       "session '%s' not found in namespace '%s' (list sessions with: "
			       "paude list)",
			       name, priv(b)->namespace);
}

/* Lifecycle ----------------------------------------------------------- */

static int
apply(struct paude_backend *b, struct json_object *obj, const char *what, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf doc = PAUDE_BUF_INIT;
	paude_json_write(&doc, obj, false);
	_cleanup_child_ struct paude_child c;
	kube_child(b, &c, true);
	paude_strvec_pushl(&c.args, "apply", "--filename=-", "--output=name", NULL);
	return kube_run(b, &c, doc.buf, NULL, what, err);
}

static void
delete_all(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_free_ char *sel = selector(name);
	kube_call(b, NULL, NULL, err, "delete",
		  "statefulset,deployment,service,networkpolicy,configmap,secret,"
		  "persistentvolumeclaim",
		  "--selector", sel, "--ignore-not-found=true", "--wait=false", NULL);
}

int
paude_kube_check_namespace(struct paude_backend *b, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	_cleanup_child_ struct paude_child c;
	kube_child(b, &c, false);
	paude_strvec_pushl(&c.args, "get", "namespace", ns, "--output=name", NULL);
	c.no_stdout = 1;
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	if ((r = paude_run_capture(b->runner, &c, NULL, 0, NULL, &errbuf, &status, err)) < 0)
		return r;
	if (status == 0)
		return 0;
	/* Users often may not read namespace objects: then the apply below
	 * finds out, with the cluster's own words. */
	if (has(errbuf.buf, "Forbidden") || has(errbuf.buf, "forbidden"))
		return 0;
	if (has(errbuf.buf, "NotFound") || has(errbuf.buf, "not found")) {
		paude_error_set(err, PAUDE_ENOTFOUND, 0,
				"namespace '%s' does not exist (paude does not create namespaces: "
				"pick one with --openshift-namespace, or ask an administrator)",
				ns);
		return PAUDE_ENOTFOUND;
	}
	return paude_kube_error(err, "cannot check the namespace", &c, status, errbuf.buf,
				errbuf.len);
}

static int
detect_openshift(struct paude_backend *b, bool *out, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(1 << 20);
	int r = kube_call(b, &buf, "cannot ask the cluster what it is", err, "api-resources",
			  "--api-group=build.openshift.io", "--output=name", NULL);
	if (r < 0)
		return r;
	*out = buf.len > 0;
	return 0;
}

/*
 * Everything but the StatefulSet first: the policies are in force before any
 * pod exists, and the proxy's address is known. Interruptions are checked
 * between steps; the caller deletes what was applied on any failure.
 */
static int
apply_session(struct paude_backend *b, const struct paude_session_spec *spec,
	      const struct paude_kube_opts *opts, struct json_object *items, const char *what,
	      struct paude_error **err)
{
	const char *name = spec->meta.name;
	size_t n = json_object_array_length(items);
	_cleanup_json_ struct json_object *list = jobj();
	put(list, "apiVersion", jstr("v1"));
	put(list, "kind", jstr("List"));
	struct json_object *li = put(list, "items", jarr());
	for (size_t i = 0; i + 1 < n; i++)
		push(li, json_object_get(json_object_array_get_idx(items, i)));
	int r = paude_signal_check(err);
	if (r == 0)
		r = apply(b, list, what, err);
	if (r < 0)
		return r;

	bool restricted = false;
	for (size_t i = 0; i + 1 < n; i++)
		restricted |= !strcmp(
		    paude_json_get_str(json_object_array_get_idx(items, i), "kind"), "Service");
	_cleanup_buf_ struct paude_buf ip = PAUDE_BUF_INIT_MAX(256);
	if (restricted) {
		_cleanup_free_ char *svc = paude_kube_proxy_name(name);
		r = kube_call(b, &ip, what, err, "get", "service", svc, "--output",
			      "jsonpath={.spec.clusterIP}", NULL);
		if (r < 0)
			return r;
		paude_buf_rtrim(&ip);
		if (!ip.len || strspn(ip.buf, "0123456789.:abcdef") != ip.len)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "%s: the proxy service has no cluster IP ('%s')",
					       what, ip.buf);
	}
	_cleanup_json_ struct json_object *final = NULL;
	if ((r = paude_kube_manifests(spec, opts, restricted ? ip.buf : NULL, &final, err)) < 0)
		return r;
	if ((r = paude_signal_check(err)) < 0)
		return r;
	return apply(b, json_object_array_get_idx(final, n - 1), what, err);
}

static int
kube_create(struct paude_backend *b, const struct paude_session_spec *spec,
	    struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	const char *name = spec->meta.name;
	int r = check_name(b, name, err);
	if (r < 0)
		return r;
	if (!spec->meta.image || !*spec->meta.image || paude_looks_like_option(spec->meta.image))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image reference '%s'",
				       spec->meta.image ? spec->meta.image : "");
	if ((r = paude_kube_check_namespace(b, err)) < 0)
		return r;
	if ((r = detect_openshift(b, &p->openshift, err)) < 0)
		return r;
	const struct paude_kube_opts opts = {
		.pvc_size = p->pvc_size,
		.storage_class = p->storage_class,
		.openshift = p->openshift,
	};
	_cleanup_json_ struct json_object *items = NULL;
	if ((r = paude_kube_manifests(spec, &opts, NULL, &items, err)) < 0)
		return r;

	_cleanup_(paude_session_release) struct paude_session existing;
	paude_session_init(&existing);
	_cleanup_error_ struct paude_error *gerr = NULL;
	r = kube_get(b, name, &existing, &gerr);
	if (r == 0)
		return paude_error_set(
		    err, PAUDE_EEXISTS, 0,
		    "session '%s' already exists in namespace '%s' (connect with: "
		    "paude connect %s)",
		    name, p->namespace, name);
	if (r != PAUDE_ENOTFOUND) {
		*err = TAKE_PTR(gerr);
		return r;
	}

	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot create session '%s'", name);
	r = apply_session(b, spec, &opts, items, what, err);
	if (r < 0)
		/* Leave nothing half-created; keep the first error. */
		delete_all(b, name, NULL);
	return r;
}

/* Say why a pod did not become ready, from its status. */
static void
explain_pod(struct paude_backend *b, const char *pod, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(GET_OUTPUT_MAX);
	if (kube_call(b, &buf, NULL, NULL, "get", "pod", pod, "--output", "json", NULL) < 0)
		return;
	_cleanup_json_ struct json_object *root = NULL;
	if (paude_json_parse(&root, buf.buf, buf.len, "pod", NULL) < 0)
		return;
	struct json_object *st = paude_json_get_obj(root, "status");
	struct json_object *cs = paude_json_get_array(st, "containerStatuses");
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *w = paude_json_get_obj(
		    paude_json_get_obj(json_object_array_get_idx(cs, i), "state"), "waiting");
		const char *reason = paude_json_get_str(w, "reason");
		if (!reason)
			continue;
		const char *msg = paude_json_get_str(w, "message");
		const char *what = strstr(reason, "Image") || !strcmp(reason, "ErrImagePull")
				       ? "the image cannot be pulled"
				       : "the container cannot start";
		paude_error_wrap(err, "%s: %s: %s", what, reason, msg ? msg : "");
		return;
	}
	struct json_object *conds = paude_json_get_array(st, "conditions");
	for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
		struct json_object *c = json_object_array_get_idx(conds, i);
		const char *type = paude_json_get_str(c, "type");
		const char *status = paude_json_get_str(c, "status");
		if (type && status && !strcmp(type, "PodScheduled") && !strcmp(status, "False")) {
			const char *msg = paude_json_get_str(c, "message");
			paude_error_wrap(err, "the pod cannot be scheduled: %s", msg ? msg : "");
			return;
		}
	}
}

static int
scale(struct paude_backend *b, const char *kind, const char *obj, int replicas, const char *what,
      struct paude_error **err)
{
	_cleanup_free_ char *ref = NULL, *rep = NULL;
	ref = paude_xstrfmt("%s/%s", kind, obj);
	rep = paude_xstrfmt("--replicas=%d", replicas);
	return kube_call(b, NULL, what, err, "scale", ref, rep, NULL);
}

static int
rollout_wait(struct paude_backend *b, const char *kind, const char *obj, const char *what,
	     struct paude_error **err)
{
	_cleanup_free_ char *ref = NULL;
	ref = paude_xstrfmt("%s/%s", kind, obj);
	return kube_call(b, NULL, what, err, "rollout", "status", ref,
			 "--timeout=" PAUDE_KUBE_READY_TIMEOUT, NULL);
}

static bool
is_restricted(const struct paude_session *s)
{
	return paude_strvec_find(&s->allowed_domains, "all") < 0;
}

static int
kube_start(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	int r = kube_get(b, name, &s, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *proxy = paude_kube_proxy_name(name);
	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot start session '%s'", name);
	/* The proxy first: the agent's only way out must be there when it is. */
	if (is_restricted(&s)) {
		if ((r = scale(b, "deployment", proxy, 1, what, err)) < 0)
			return r;
		if ((r = rollout_wait(b, "deployment", proxy, what, err)) < 0)
			return r;
	}
	if ((r = scale(b, "statefulset", sts, 1, what, err)) < 0)
		return r;
	if ((r = rollout_wait(b, "statefulset", sts, what, err)) < 0) {
		_cleanup_free_ char *pod = paude_kube_pod_name(name);
		explain_pod(b, pod, err);
		return r;
	}
	return 0;
}

static int
kube_stop(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	int r = kube_get(b, name, &s, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot stop session '%s'", name);
	if ((r = scale(b, "statefulset", sts, 0, what, err)) < 0)
		return r;
	if (is_restricted(&s)) {
		_cleanup_free_ char *proxy = paude_kube_proxy_name(name);
		if ((r = scale(b, "deployment", proxy, 0, what, err)) < 0)
			return r;
	}
	return 0;
}

static int
kube_remove(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot delete session '%s'", name);
	_cleanup_free_ char *sel = selector(name);
	/* One call, by label: the PVC goes too (delete means delete). */
	return kube_call(
	    b, NULL, what, err, "delete",
	    "statefulset,deployment,service,networkpolicy,configmap,secret,persistentvolumeclaim",
	    "--selector", sel, "--ignore-not-found=true", "--wait=false", NULL);
}

static int
kube_exec_prepare(struct paude_backend *b, const char *name, unsigned flags,
		  const char *const *argv, struct paude_child *out, struct paude_error **err)
{
	int r = check_name(b, name, err);
	if (r < 0)
		return r;
	if (!argv || !argv[0] || !*argv[0])
		return paude_error_set(err, PAUDE_EUSAGE, 0, "no command to run in session '%s'",
				       name);
	struct kube_priv *p = priv(b);
	_cleanup_free_ char *pod = paude_kube_pod_name(name);
	paude_strvec_push(&out->args, p->tool);
	if (p->context)
		paude_strvec_pushf(&out->args, "--context=%s", p->context);
	paude_strvec_pushf(&out->args, "--namespace=%s", p->namespace);
	paude_strvec_push(&out->args, "exec");
	if (flags & PAUDE_EXEC_STDIN)
		paude_strvec_push(&out->args, "--stdin");
	if (flags & PAUDE_EXEC_TTY)
		paude_strvec_push(&out->args, "--tty");
	paude_strvec_pushl(&out->args, pod, "--container=agent", "--", NULL);
	/* exec has no --env: the terminal type reaches tmux through env(1). */
	const char *term = getenv("TERM");
	if ((flags & PAUDE_EXEC_TTY) && term && *term && !strchr(term, '\n')) {
		paude_strvec_push(&out->args, "env");
		paude_strvec_pushf(&out->args, "TERM=%s", term);
	}
	paude_strvec_pushv(&out->args, argv);
	return 0;
}

static int
kube_proxy_log(struct paude_backend *b, const char *name, struct paude_buf *out,
	       struct paude_error **err)
{
	int r = check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ref = NULL;
	ref = paude_xstrfmt("deployment/paude-proxy-%s", name);
	return kube_call(b, out, "cannot read the proxy log", err, "exec", ref, "--container=proxy",
			 "--", "tail", "-n", "50", PAUDE_PROXY_ACCESS_LOG, NULL);
}

int
paude_kube_policy_patch(const struct paude_session *s, const struct paude_allowlist *al,
			struct json_object **out, struct paude_error **err)
{
	if (al->unrestricted || !al->domains.nr)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the proxy of session '%s' needs an allowlist to enforce",
				       s->name);
	_cleanup_buf_ struct paude_buf conf = PAUDE_BUF_INIT;
	const struct paude_squid_opts sq = {
		.session = s->name,
		.allow_private_dst = (const char *const *)s->allow_private_dst.v,
	};
	int r = paude_squid_config(&conf, al, &sq, err);
	if (r < 0)
		return r;
	/* A strategic merge patch: the proxy container's env entry of that
	 * name is replaced, the rest of the Deployment stays. The pod
	 * template changes, so the proxy's pod is made again (Recreate). */
	_cleanup_json_ struct json_object *o = jobj();
	struct json_object *tmpl = put(put(o, "spec", jobj()), "template", jobj());
	_cleanup_json_ struct json_object *doms = paude_json_array_from_strvec(&al->requested);
	_cleanup_buf_ struct paude_buf dl = PAUDE_BUF_INIT;
	paude_json_write(&dl, doms, false);
	put(put(put(tmpl, "metadata", jobj()), "annotations", jobj()), PAUDE_LABEL_DOMAINS,
	    jstr(dl.buf));
	struct json_object *c = push(put(put(tmpl, "spec", jobj()), "containers", jarr()), jobj());
	put(c, "name", jstr("proxy"));
	push(put(c, "env", jarr()), env_var(PAUDE_PROXY_CONF_ENV, conf.buf));
	*out = TAKE_PTR(o);
	return 0;
}

/* patch deployment/paude-proxy-NAME with the squid configuration of al. */
static int
patch_proxy(struct paude_backend *b, const struct paude_session *s,
	    const struct paude_allowlist *al, const char *what, struct paude_error **err)
{
	_cleanup_json_ struct json_object *patch = NULL;
	int r = paude_kube_policy_patch(s, al, &patch, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf doc = PAUDE_BUF_INIT;
	paude_json_write(&doc, patch, false);
	_cleanup_free_ char *ref = NULL, *arg = NULL;
	ref = paude_xstrfmt("deployment/paude-proxy-%s", s->name);
	arg = paude_xstrfmt("--patch=%s", doc.buf);
	return kube_call(b, NULL, what, err, "patch", ref, "--type=strategic", arg, NULL);
}

/* annotate statefulset/paude-NAME with the policy (what get reads). */
static int
annotate_policy(struct paude_backend *b, const char *name, const struct paude_strvec *requested,
		const char *what, struct paude_error **err)
{
	_cleanup_json_ struct json_object *doms = paude_json_array_from_strvec(requested);
	_cleanup_buf_ struct paude_buf dl = PAUDE_BUF_INIT;
	paude_json_write(&dl, doms, false);
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *ref = NULL, *kv = NULL;
	ref = paude_xstrfmt("statefulset/%s", sts);
	kv = paude_xstrfmt(PAUDE_LABEL_DOMAINS "=%s", dl.buf);
	return kube_call(b, NULL, what, err, "annotate", ref, "--overwrite", kv, NULL);
}

static int
kube_set_allowlist(struct paude_backend *b, const struct paude_session *s,
		   const struct paude_allowlist *al, struct paude_error **err)
{
	int r = check_name(b, s->name, err);
	if (r < 0)
		return r;
	if (!is_restricted(s) || al->unrestricted)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the network of session '%s' is unrestricted: it has no "
				       "proxy to change",
				       s->name);
	_cleanup_(paude_allowlist_release) struct paude_allowlist before;
	paude_allowlist_init(&before);
	if ((r = paude_allowlist_parse(&before, (const char *const *)s->allowed_domains.v, err)) <
	    0)
		return r;
	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot change the network policy of session '%s'", s->name);
	/* The proxy's configuration, then the record of it; a failure of the
	 * second puts the first back. */
	if ((r = patch_proxy(b, s, al, what, err)) < 0)
		return r;
	if ((r = annotate_policy(b, s->name, &al->requested, what, err)) < 0) {
		(void)patch_proxy(b, s, &before, NULL, NULL);
		return r;
	}
	/* A running proxy is made again with it: wait until it serves. */
	if (s->state == PAUDE_SESSION_RUNNING) {
		_cleanup_free_ char *proxy = paude_kube_proxy_name(s->name);
		if ((r = rollout_wait(b, "deployment", proxy, what, err)) < 0) {
			(void)patch_proxy(b, s, &before, NULL, NULL);
			(void)annotate_policy(b, s->name, &before.requested, NULL, NULL);
			return r;
		}
	}
	return 0;
}

static void
kube_free(struct paude_backend *b)
{
	struct kube_priv *p = priv(b);
	if (!p)
		return;
	free(p->tool);
	free(p->context);
	free(p->namespace);
	free(p->pvc_size);
	free(p->storage_class);
	free(p);
}

const struct paude_backend_ops paude_backend_kube = {
	.name = "openshift",
	.create = kube_create,
	.start = kube_start,
	.stop = kube_stop,
	.remove = kube_remove,
	.list = kube_list,
	.get = kube_get,
	.exec_prepare = kube_exec_prepare,
	.proxy_log = kube_proxy_log,
	.set_allowlist = kube_set_allowlist,
	.free = kube_free,
};

static char *
dup_opt(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

int
paude_kube_open(struct paude_backend **out, struct paude_runner *runner,
		const struct paude_kube_opts *opts, struct paude_error **err)
{
	const struct paude_kube_opts none = { 0 };
	if (!opts)
		opts = &none;
	int r = check_opts(opts, err);
	if (r < 0)
		return r;
	if (opts->context && (!*opts->context || paude_looks_like_option(opts->context) ||
			      strchr(opts->context, '\n')))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid context '%s'", opts->context);
	if (opts->namespace && !valid_dns_subdomain(opts->namespace))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid namespace '%s' (a lower-case DNS name)",
				       opts->namespace);
	const char *tool = opts->tool;
	if (!tool || !*tool) {
		_cleanup_free_ char *oc = paude_which("oc");
		tool = oc ? "oc" : "kubectl";
	}
	if (strcmp(tool, "oc") != 0 && strcmp(tool, "kubectl") != 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unknown cluster tool '%s' (use: oc or kubectl)", tool);
	struct kube_priv *p = calloc(1, sizeof(*p));
	struct paude_backend *b = calloc(1, sizeof(*b));
	if (!p || !b)
		abort();
	p->tool = dup_opt(tool);
	p->context = dup_opt(opts->context);
	p->namespace = dup_opt(opts->namespace);
	p->pvc_size = dup_opt(opts->pvc_size);
	p->storage_class = dup_opt(opts->storage_class);
	p->openshift = opts->openshift;
	b->ops = &paude_backend_kube;
	b->runner = runner ? runner : paude_runner_default();
	b->priv = p;
	*out = b;
	return 0;
}

int
paude_kube_current_context(struct paude_backend *b, char **out, struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	if (p->context) {
		*out = dup_opt(p->context);
		return 0;
	}
	_cleanup_child_ struct paude_child c;
	kube_child(b, &c, false);
	paude_strvec_pushl(&c.args, "config", "current-context", NULL);
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(4096);
	int r = kube_run(b, &c, NULL, &buf, "cannot read the current context", err);
	if (r < 0)
		return r;
	paude_buf_rtrim(&buf);
	*out = buf.len ? paude_buf_detach(&buf) : NULL;
	return 0;
}

/* Images built in the cluster (OpenShift) ------------------------------ */

int
paude_kube_build_manifests(const char *stream, const char *tag, const char *base,
			   const struct paude_image_target *t, bool no_cache,
			   struct json_object **out, struct paude_error **err)
{
	if (paude_session_name_validate(stream, NULL) < 0 || !tag || !*tag ||
	    strspn(tag, "0123456789abcdef") != strlen(tag))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image stream '%s:%s'", stream,
				       tag ? tag : "");
	_cleanup_json_ struct json_object *items = jarr();
	struct json_object *is = push(items, jobj());
	put(is, "apiVersion", jstr("image.openshift.io/v1"));
	put(is, "kind", jstr("ImageStream"));
	struct json_object *md = put(is, "metadata", jobj());
	put(md, "name", jstr(stream));
	put(put(md, "labels", jobj()), PAUDE_LABEL_APP, jstr(PAUDE_LABEL_APP_VALUE));
	/* Pods of this namespace may name the stream's tags directly. */
	put(put(put(is, "spec", jobj()), "lookupPolicy", jobj()), "local",
	    json_object_new_boolean(1));

	struct json_object *bc = push(items, jobj());
	put(bc, "apiVersion", jstr("build.openshift.io/v1"));
	put(bc, "kind", jstr("BuildConfig"));
	md = put(bc, "metadata", jobj());
	put(md, "name", jstr(stream));
	put(put(md, "labels", jobj()), PAUDE_LABEL_APP, jstr(PAUDE_LABEL_APP_VALUE));
	struct json_object *spec = put(bc, "spec", jobj());
	put(spec, "runPolicy", jstr("Serial"));
	struct json_object *src = put(spec, "source", jobj());
	put(src, "type", jstr("Binary"));
	put(src, "binary", jobj());
	struct json_object *strat = put(spec, "strategy", jobj());
	put(strat, "type", jstr("Docker"));
	struct json_object *ds = put(strat, "dockerStrategy", jobj());
	put(ds, "dockerfilePath", jstr("Containerfile"));
	put(ds, "noCache", json_object_new_boolean(no_cache));
	struct json_object *args = put(ds, "buildArgs", jarr());
	push(args, env_var("BASE_IMAGE", base));
	for (size_t i = 0; i < t->nargs; i++)
		push(args, env_var(t->args[i].name, t->args[i].value));
	struct json_object *to = put(put(spec, "output", jobj()), "to", jobj());
	put(to, "kind", jstr("ImageStreamTag"));
	_cleanup_free_ char *ist = NULL;
	ist = paude_xstrfmt("%s:%s", stream, tag);
	put(to, "name", jstr(ist));
	*out = TAKE_PTR(items);
	return 0;
}

/* The pull spec of STREAM:TAG, or PAUDE_ENOTFOUND. */
static int
image_stream_tag(struct paude_backend *b, const char *ist, char **out, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c;
	kube_child(b, &c, true);
	paude_strvec_pushl(&c.args, "get", "imagestreamtag", ist, "--output",
			   "jsonpath={.image.dockerImageReference}", NULL);
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT_MAX(4096);
	_cleanup_buf_ struct paude_buf e = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	int r = paude_run_capture(b->runner, &c, NULL, 0, &o, &e, &status, err);
	if (r < 0)
		return r;
	if (status != 0 && (has(e.buf, "NotFound") || has(e.buf, "not found")))
		return PAUDE_ENOTFOUND;
	if (status != 0)
		return paude_kube_error(err, "cannot look up the session image", &c, status, e.buf,
					e.len);
	paude_buf_rtrim(&o);
	if (!o.len || paude_looks_like_option(o.buf) || strchr(o.buf, '\n'))
		return PAUDE_ENOTFOUND;
	*out = paude_buf_detach(&o);
	return 0;
}

static int
write_context(const char *dir, const struct paude_image_files *files, struct paude_error **err)
{
	for (size_t i = 0; i < files->nr; i++) {
		const struct paude_image_file *f = &files->v[i];
		/* Generated paths: relative, no "..", but may have directories
		 * (the features of a custom image). */
		if (f->path[0] == '/' || strstr(f->path, ".."))
			return paude_error_set(err, PAUDE_EPROTO, 0, "invalid build file '%s'",
					       f->path);
		_cleanup_free_ char *p = paude_path_join(dir, f->path);
		char *slash = strrchr(p, '/');
		*slash = '\0';
		int r = paude_mkdir_p(p, 0700, err);
		*slash = '/';
		if (r < 0)
			return r;
		if ((r = paude_write_file(p, f->data, f->size, f->mode & 0755, err)) < 0)
			return r;
		if (chmod(p, f->mode & 0755) < 0)
			return paude_error_errno(err, errno, "cannot change the mode of '%s'", p);
	}
	return 0;
}

static void
rm_context(const char *dir, const struct paude_image_files *files)
{
	for (size_t i = 0; i < files->nr; i++) {
		_cleanup_free_ char *p = paude_path_join(dir, files->v[i].path);
		unlink(p);
		/* Then its directories, deepest first, while empty. */
		size_t n = strlen(dir);
		for (char *slash; (slash = strrchr(p, '/')) && (size_t)(slash - p) > n;) {
			*slash = '\0';
			if (rmdir(p) < 0)
				break;
		}
	}
	rmdir(dir);
}

int
paude_kube_image_ensure(struct paude_backend *b, const struct paude_image_target *t,
			const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	_cleanup_free_ char *local = NULL;
	int r = paude_image_tag(t, o, &local, NULL, err);
	if (r < 0)
		return r;
	_cleanup_(paude_image_files_release) struct paude_image_files files = { 0 };
	if ((r = paude_image_files_load(t->dir, o, &files, err)) < 0)
		return r;
	const struct paude_kube_build kb = {
		.local_ref = local,
		.files = &files,
		.base = paude_image_base(o),
		.args = t->args,
		.nargs = t->nargs,
	};
	return paude_kube_image_build(b, &kb, o, out_ref, err);
}

int
paude_kube_image_build(struct paude_backend *b, const struct paude_kube_build *kb,
		       const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	/* localhost/paude-agent:HASH -> stream paude-agent, tag HASH */
	const char *local = kb->local_ref;
	const char *colon = strrchr(local, ':');
	const char *slash = strrchr(local, '/');
	const char *start = slash ? slash + 1 : local;
	if (!colon || colon < start)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image reference '%s'", local);
	_cleanup_free_ char *stream = strndup(start, (size_t)(colon - start));
	if (!stream)
		abort();
	const char *tag = colon + 1;
	_cleanup_free_ char *ist = NULL;
	ist = paude_xstrfmt("%s:%s", stream, tag);
	if (!o->rebuild) {
		r = image_stream_tag(b, ist, out_ref, err);
		if (r != PAUDE_ENOTFOUND)
			return r;
	}
	const struct paude_image_target t = { .args = kb->args, .nargs = kb->nargs };
	_cleanup_json_ struct json_object *items = NULL;
	if ((r = paude_kube_build_manifests(stream, tag, kb->base, &t, o->rebuild, &items, err)) <
	    0)
		return r;
	_cleanup_json_ struct json_object *list = jobj();
	put(list, "apiVersion", jstr("v1"));
	put(list, "kind", jstr("List"));
	put(list, "items", json_object_get(items));
	_cleanup_free_ char *what = NULL;
	what = paude_xstrfmt("cannot set up the in-cluster build of '%s'", ist);
	if ((r = apply(b, list, what, err)) < 0)
		return r;

	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir =
	    paude_path_join(tmp && *tmp == '/' ? tmp : "/var/tmp", "paude-kube-build-XXXXXX");
	if (!mkdtemp(dir))
		return paude_error_errno(err, errno, "cannot create a build directory");
	r = write_context(dir, kb->files, err);
	if (r == 0) {
		if (o->notify)
			o->notify(o->notify_ctx, PAUDE_IMAGE_EV_BUILD, ist);
		/* The build log streams to the user's terminal as it happens. */
		_cleanup_child_ struct paude_child c;
		kube_child(b, &c, true);
		paude_strvec_pushl(&c.args, "start-build", stream, NULL);
		paude_strvec_pushf(&c.args, "--from-dir=%s", dir);
		paude_strvec_pushl(&c.args, "--follow", "--wait", NULL);
		int status = 0;
		r = paude_run_capture(b->runner, &c, NULL, 0, NULL, NULL, &status, err);
		if (r == 0 && status != 0)
			r = paude_error_set(err, PAUDE_ECHILD, 0,
					    "the in-cluster build of '%s' failed (exit %d; see the "
					    "build log above, or: %s logs bc/%s)",
					    ist, status, priv(b)->tool, stream);
	}
	rm_context(dir, kb->files);
	if (r < 0)
		return r;
	if ((r = image_stream_tag(b, ist, out_ref, err)) == PAUDE_ENOTFOUND)
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "the build of '%s' finished but the image stream has no such "
		    "tag",
		    ist);
	if (r == 0 && o->notify)
		o->notify(o->notify_ctx, PAUDE_IMAGE_EV_BUILT, *out_ref);
	return r;
}

int
paude_kube_is_openshift(struct paude_backend *b, bool *out, struct paude_error **err)
{
	int r = detect_openshift(b, out, err);
	if (r == 0)
		priv(b)->openshift = *out;
	return r;
}
