/* SPDX-License-Identifier: MIT */
/*
 * The objects of a cluster session: the manifests paude_kube_manifests()
 * builds with json-c (include/paude/backend/kube.h has the object model), the names
 * they carry, and the proxy policy patch.
 */
#include <string.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/json.h"
#include "paude/session/limits.h"
#include "paude/backend/podman.h"
#include "paude/net/squid.h"
#include "backend/kube-internal.h"
#include "core/banned.h"

/* Debian's `proxy` user, which the proxy image runs squid as. */
#define PROXY_UID 13

char *
paude_kube_statefulset_name(const char *session)
{
	return paude_podman_container_name(session);
}

char *
paude_kube_proxy_name(const char *session)
{
	return paude_xasprintf("paude-proxy-%s", session);
}

char *
paude_kube_pod_name(const char *session)
{
	return paude_xasprintf("paude-%s-0", session);
}

static char *
agent_policy_name(const char *session)
{
	return paude_xasprintf("paude-%s-agent", session);
}

char *
paude_kube__selector(const char *session)
{
	return paude_xasprintf(PAUDE_LABEL_APP "=" PAUDE_LABEL_APP_VALUE "," PAUDE_LABEL_NAME "=%s",
			       session);
}

/* JSON building ------------------------------------------------------- */

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
	return paude_xasprintf("%s-credentials", p);
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
				return paude_error_wrap(err, r,
							"cannot read the Google credentials");
		}
		put(sd, GATEWAY_ADC_KEY, jstr(redact ? shown : adc.buf));
	} else if (!strcmp(g->provider, "anthropic")) {
		const char *key = g->api_key_value;
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
	return paude_xasprintf("paude-%s-ca", session);
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
		_cleanup_free_ char *key = paude_xstrndup(kv.v[i], k);
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
		_cleanup_free_ char *key = paude_xstrndup(e, k);
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

bool
paude_kube__valid_dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || paude_looks_like_option(s))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

int
paude_kube__check_opts(const struct paude_kube_opts *opts, struct paude_error **err)
{
	if (opts->pvc_size && !valid_quantity(opts->pvc_size))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid PVC size '%s' (write a quantity such as 10Gi)",
				       opts->pvc_size);
	if (opts->storage_class && !paude_kube__valid_dns_subdomain(opts->storage_class))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid storage class '%s'",
				       opts->storage_class);
	return 0;
}

int
paude_kube_manifests(const struct paude_session_spec *spec, const struct paude_kube_opts *opts,
		     const char *proxy_ip, struct json_object **out, struct paude_error **err)
{
	const char *name = spec->meta.name;
	int r = paude_kube__check_opts(opts, err);
	if (r < 0)
		return r;
	_cleanup_(paude_allowlist_release) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
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
			    err, r,
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
