/* SPDX-License-Identifier: MIT */
/*
 * The OpenShift/Kubernetes backend through the fake runner: every manifest
 * it generates, and the exact argv of every oc/kubectl call.
 *
 * With PAUDE_TEST_MANIFEST_DIR set, each manifest a test generates is also
 * written there (NAME.json), for tests/schema/ to validate against the
 * Kubernetes and OpenShift OpenAPI schemas.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/backend/kube.h"
#include "paude/session/index.h"
#include "paude/core/json.h"
#include "paude/core/fs.h"
#include "fake-runner.h"

static void
save_manifest(const char *name, struct json_object *obj)
{
	const char *dir = getenv("PAUDE_TEST_MANIFEST_DIR");
	if (!dir || !*dir)
		return;
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_json_write(&b, obj, true);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	assert_int_equal(paude_write_file(path, b.buf, b.len, 0644, NULL), 0);
	paude_buf_release(&b);
}

static void
make_spec(struct paude_session_spec *spec, const char *domains)
{
	memset(spec, 0, sizeof(*spec));
	paude_session_init(&spec->meta);
	paude_strvec_init(&spec->env);
	spec->meta.name = strdup("demo");
	spec->meta.workspace = strdup("/home/u/demo");
	spec->meta.created = strdup("2026-11-27T10:00:00Z");
	spec->meta.image = strdup("registry.example/paude-agent:abc");
	spec->meta.agent = strdup("claude");
	spec->meta.yolo = true;
	paude_strvec_pushl(&spec->meta.agent_args, "-p", "explain this code", NULL);
	paude_strvec_push(&spec->meta.allowed_domains, domains);
	paude_strvec_push(&spec->env, "CLAUDE_CODE_USE_VERTEX=1");
	paude_strvec_push(&spec->env, "SSL_CERT_FILE=/etc/paude/ca-bundle.crt");
	spec->proxy_image = "registry.example/paude-proxy:def";
}

static const char test_pem[] = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

/* A CA bundle mount as session-setup.c makes it, of a file the test writes. */
static char ca_host[64];
static struct paude_mount ca_mount = { ca_host, PAUDE_CA_BUNDLE_TARGET, true };

static void
make_ca_file(const char *data)
{
	snprintf(ca_host, sizeof(ca_host), "/tmp/paude-test-ca-XXXXXX");
	int fd = mkstemp(ca_host);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static struct json_object *
path(struct json_object *o, ...)
{
	va_list ap;
	va_start(ap, o);
	const char *k;
	while (o && (k = va_arg(ap, const char *))) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	}
	va_end(ap);
	return o;
}

#define STR(o, ...) json_object_get_string(path(o, __VA_ARGS__, NULL))
#define BOOL(o, ...) json_object_get_boolean(path(o, __VA_ARGS__, NULL))
#define INT(o, ...) json_object_get_int(path(o, __VA_ARGS__, NULL))

static const char *
env_value(struct json_object *container, const char *name)
{
	struct json_object *env = path(container, "env", NULL);
	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		struct json_object *e = json_object_array_get_idx(env, i);
		if (!strcmp(STR(e, "name"), name))
			return STR(e, "value");
	}
	return NULL;
}

static void
assert_hardened(struct json_object *pod, struct json_object *container)
{
	assert_false(BOOL(pod, "automountServiceAccountToken"));
	assert_non_null(path(pod, "automountServiceAccountToken", NULL));
	assert_false(BOOL(pod, "enableServiceLinks"));
	assert_non_null(path(pod, "enableServiceLinks", NULL));
	assert_true(BOOL(pod, "securityContext", "runAsNonRoot"));
	assert_string_equal(STR(pod, "securityContext", "seccompProfile", "type"),
			    "RuntimeDefault");
	/* No unprivileged ping; IPv6 cannot be turned off by a pod (unsafe
	 * sysctl), so nothing asks for it and no cluster refuses the pod. */
	assert_string_equal(STR(pod, "securityContext", "sysctls", "0", "name"),
			    "net.ipv4.ping_group_range");
	assert_string_equal(STR(pod, "securityContext", "sysctls", "0", "value"), "1 0");
	assert_null(path(pod, "securityContext", "sysctls", "1", NULL));
	struct json_object *sc = path(container, "securityContext", NULL);
	assert_false(BOOL(sc, "allowPrivilegeEscalation"));
	assert_non_null(path(sc, "allowPrivilegeEscalation", NULL));
	assert_true(BOOL(sc, "runAsNonRoot"));
	assert_string_equal(STR(sc, "capabilities", "drop", "0"), "ALL");
	assert_string_equal(STR(sc, "seccompProfile", "type"), "RuntimeDefault");
}

static void
test_manifests_of_a_filtered_session(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	make_ca_file(test_pem);
	spec.mounts = &ca_mount;
	spec.n_mounts = 1;
	/* A project's setup command and containerEnv (see session-setup.c). */
	paude_strvec_pushl(&spec.meta.setup, "sh", "-c", "make deps", NULL);
	paude_strvec_push(&spec.env, "PROJECT_MODE=dev");
	spec.meta.memory = 6ull << 30;
	spec.meta.cpus_milli = 1500;
	const struct paude_kube_opts o = { .pvc_size = "50Gi", .storage_class = "fast-ssd" };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, "172.30.4.5", &items, NULL), 0);
	assert_int_equal(json_object_array_length(items), 6);
	const char *kinds[] = { "NetworkPolicy", "NetworkPolicy", "Service",
				"Deployment",    "ConfigMap",     "StatefulSet" };
	const char *names[] = { "paude-demo-agent", "paude-proxy-demo", "paude-proxy-demo",
				"paude-proxy-demo", "paude-demo-ca",    "paude-demo" };
	const char *files[] = { "filtered-agent-policy",  "filtered-proxy-policy",
				"filtered-proxy-service", "filtered-proxy-deployment",
				"filtered-ca-config-map", "filtered-statefulset" };
	for (size_t i = 0; i < 6; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		assert_string_equal(STR(it, "kind"), kinds[i]);
		assert_string_equal(STR(it, "metadata", "name"), names[i]);
		assert_string_equal(STR(it, "metadata", "labels", "app"), "paude");
		assert_string_equal(STR(it, "metadata", "labels", "paude.io/session-name"), "demo");
		save_manifest(files[i], it);
	}

	/* Agent policy: no ingress at all; egress only to its proxy on 3128. */
	struct json_object *ap = json_object_array_get_idx(items, 0);
	assert_string_equal(STR(ap, "spec", "podSelector", "matchLabels", "paude.io/role"),
			    "agent");
	assert_int_equal(json_object_array_length(path(ap, "spec", "ingress", NULL)), 0);
	assert_int_equal(json_object_array_length(path(ap, "spec", "policyTypes", NULL)), 2);
	assert_int_equal(json_object_array_length(path(ap, "spec", "egress", NULL)), 1);
	assert_string_equal(STR(ap, "spec", "egress", "0", "to", "0", "podSelector", "matchLabels",
				"paude.io/role"),
			    "proxy");
	assert_string_equal(STR(ap, "spec", "egress", "0", "to", "0", "podSelector", "matchLabels",
				"paude.io/session-name"),
			    "demo");
	assert_int_equal(INT(ap, "spec", "egress", "0", "ports", "0", "port"), 3128);
	assert_null(path(ap, "spec", "egress", "1", NULL));

	/* Proxy policy: only its agent may connect. */
	struct json_object *pp = json_object_array_get_idx(items, 1);
	assert_string_equal(STR(pp, "spec", "ingress", "0", "from", "0", "podSelector",
				"matchLabels", "paude.io/role"),
			    "agent");
	assert_int_equal(INT(pp, "spec", "ingress", "0", "ports", "0", "port"), 3128);
	assert_int_equal(INT(pp, "spec", "egress", "1", "ports", "1", "port"), 443);

	struct json_object *svc = json_object_array_get_idx(items, 2);
	assert_string_equal(STR(svc, "spec", "selector", "paude.io/role"), "proxy");
	assert_int_equal(INT(svc, "spec", "ports", "0", "port"), 3128);

	/* Proxy: created stopped, squid's config in its environment. */
	struct json_object *dep = json_object_array_get_idx(items, 3);
	assert_int_equal(INT(dep, "spec", "replicas"), 0);
	struct json_object *pod = path(dep, "spec", "template", "spec", NULL);
	struct json_object *pc = path(pod, "containers", "0", NULL);
	assert_string_equal(STR(pc, "image"), "registry.example/paude-proxy:def");
	const char *conf = env_value(pc, "PAUDE_SQUID_CONF");
	assert_non_null(conf);
	assert_non_null(strstr(conf, "acl paude_allowed dstdomain -n "));
	assert_non_null(strstr(conf, " oauth2.googleapis.com"));
	assert_null(strstr(conf, " .googleapis.com"));
	assert_non_null(strstr(conf, "\nhttp_access deny paude_private_dst\n"));
	assert_null(strstr(conf, "# Except"));
	assert_non_null(strstr(conf, "http_port 3128\n"));
	assert_hardened(pod, pc);
	assert_int_equal(INT(pod, "securityContext", "runAsUser"), 13);
	/* Small bounds; nothing in the image may change: squid writes to memory. */
	assert_string_equal(STR(pc, "resources", "limits", "memory"), "256Mi");
	assert_string_equal(STR(pc, "resources", "limits", "cpu"), "1");
	assert_string_equal(STR(pc, "resources", "requests", "memory"), "64Mi");
	assert_string_equal(STR(pc, "resources", "requests", "cpu"), "50m");
	assert_true(BOOL(pc, "securityContext", "readOnlyRootFilesystem"));
	static const char *const proxy_dirs[] = { "/run/paude-proxy", "/var/log/squid",
						  "/var/spool/squid", "/tmp" };
	for (size_t i = 0; i < ARRAY_SIZE(proxy_dirs); i++) {
		char idx[4];
		snprintf(idx, sizeof(idx), "%zu", i);
		assert_string_equal(STR(pc, "volumeMounts", idx, "mountPath"), proxy_dirs[i]);
		assert_string_equal(STR(pod, "volumes", idx, "name"),
				    STR(pc, "volumeMounts", idx, "name"));
		assert_string_equal(STR(pod, "volumes", idx, "emptyDir", "medium"), "Memory");
		assert_non_null(STR(pod, "volumes", idx, "emptyDir", "sizeLimit"));
	}

	/* The host CA bundle: public, so a ConfigMap. */
	struct json_object *cm = json_object_array_get_idx(items, 4);
	assert_string_equal(STR(cm, "apiVersion"), "v1");
	assert_string_equal(STR(cm, "data", "ca-bundle.crt"), test_pem);

	/* The agent. */
	struct json_object *sts = json_object_array_get_idx(items, 5);
	assert_int_equal(INT(sts, "spec", "replicas"), 0);
	struct json_object *ann = path(sts, "metadata", "annotations", NULL);
	assert_string_equal(STR(ann, "paude.io/workspace"), "/home/u/demo");
	assert_string_equal(STR(ann, "paude.io/agent-args"), "[\"-p\",\"explain this code\"]");
	assert_string_equal(STR(ann, "paude.io/allowed-domains"), "[\"default\"]");
	assert_string_equal(STR(ann, "paude.io/yolo"), "true");
	assert_string_equal(STR(ann, "paude.io/setup"), "[\"sh\",\"-c\",\"make deps\"]");
	assert_string_equal(STR(ann, "paude.io/memory"), "6g");
	assert_string_equal(STR(ann, "paude.io/cpus"), "1.5");
	assert_null(path(sts, "metadata", "labels", "paude.io/workspace", NULL));
	pod = path(sts, "spec", "template", "spec", NULL);
	struct json_object *c = path(pod, "containers", "0", NULL);
	assert_string_equal(STR(c, "name"), "agent");
	assert_string_equal(STR(c, "image"), "registry.example/paude-agent:abc");
	assert_string_equal(STR(c, "args", "0"), "claude");
	assert_string_equal(STR(c, "args", "1"), "--dangerously-skip-permissions");
	assert_string_equal(STR(c, "args", "3"), "explain this code");
	assert_string_equal(STR(c, "workingDir"), "/pvc/workspace");
	assert_hardened(pod, c);
	assert_int_equal(INT(pod, "securityContext", "runAsUser"), 1000);
	/* The session's limits, as on podman; requests a fraction of them. */
	assert_string_equal(STR(c, "resources", "limits", "memory"), "6Gi");
	assert_string_equal(STR(c, "resources", "limits", "cpu"), "1500m");
	assert_string_equal(STR(c, "resources", "requests", "memory"), "1Gi");
	assert_string_equal(STR(c, "resources", "requests", "cpu"), "250m");
	assert_int_equal(INT(pod, "securityContext", "fsGroup"), 0);
	assert_string_equal(STR(pod, "hostAliases", "0", "ip"), "172.30.4.5");
	assert_string_equal(STR(pod, "hostAliases", "0", "hostnames", "0"), "paude-proxy");
	assert_string_equal(env_value(c, "HTTPS_PROXY"), "http://paude-proxy:3128");
	assert_string_equal(env_value(c, "CLAUDE_CODE_USE_VERTEX"), "1");
	assert_string_equal(env_value(c, "PROJECT_MODE"), "dev");
	assert_string_equal(env_value(c, "CLOUDSDK_CONFIG"), "/credentials/gcloud");
	/* The CA bundle from its ConfigMap, read-only, where podman mounts it. */
	assert_string_equal(env_value(c, "SSL_CERT_FILE"), "/etc/paude/ca-bundle.crt");
	assert_string_equal(STR(c, "volumeMounts", "0", "mountPath"), "/pvc");
	assert_string_equal(STR(c, "volumeMounts", "1", "mountPath"), "/credentials");
	assert_string_equal(STR(c, "volumeMounts", "2", "mountPath"), "/etc/paude/ca-bundle.crt");
	assert_string_equal(STR(c, "volumeMounts", "2", "subPath"), "ca-bundle.crt");
	assert_true(BOOL(c, "volumeMounts", "2", "readOnly"));
	assert_string_equal(STR(pod, "volumes", "0", "emptyDir", "medium"), "Memory");
	assert_string_equal(STR(pod, "volumes", "1", "configMap", "name"), "paude-demo-ca");
	assert_int_equal(INT(pod, "volumes", "1", "configMap", "defaultMode"), 0444);
	struct json_object *vct = path(sts, "spec", "volumeClaimTemplates", "0", NULL);
	assert_string_equal(STR(vct, "metadata", "name"), "workspace");
	assert_string_equal(STR(vct, "spec", "resources", "requests", "storage"), "50Gi");
	assert_string_equal(STR(vct, "spec", "storageClassName"), "fast-ssd");
	assert_string_equal(STR(vct, "metadata", "labels", "paude.io/session-name"), "demo");
	json_object_put(items);

	/* Binary data cannot be a ConfigMap's text: refused, naming the file. */
	unlink(ca_host);
	make_ca_file("abc");
	FILE *fp = fopen(ca_host, "ab");
	assert_non_null(fp);
	fputc(0, fp);
	fclose(fp);
	struct paude_error *err = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, NULL, &items, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "is not text"));
	paude_error_free(err);
	err = NULL;
	unlink(ca_host);
	/* A missing one: the file is named, and how to do without. */
	assert_true(paude_kube_manifests(&spec, &o, NULL, &items, &err) < 0);
	assert_non_null(strstr(err->msg, ca_host));
	assert_non_null(strstr(err->msg, "PAUDE_CA_BUNDLE"));
	paude_error_free(err);
	paude_session_spec_release(&spec);
}

static void
test_manifests_without_ca_bundle_leave_its_variables_out(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "all");
	/* PAUDE_CA_BUNDLE="": session-setup.c adds neither the mount nor the
	 * variables, so no ConfigMap and no CA volume. */
	paude_strvec_clear(&spec.env);
	paude_strvec_push(&spec.env, "CLAUDE_CODE_USE_VERTEX=1");
	const struct paude_kube_opts o = { 0 };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, NULL, &items, NULL), 0);
	assert_int_equal(json_object_array_length(items), 2);
	struct json_object *c = path(json_object_array_get_idx(items, 1), "spec", "template",
				     "spec", "containers", "0", NULL);
	assert_string_equal(STR(json_object_array_get_idx(items, 1), "kind"), "StatefulSet");
	assert_string_equal(env_value(c, "CLAUDE_CODE_USE_VERTEX"), "1");
	assert_null(env_value(c, "SSL_CERT_FILE"));
	assert_null(path(c, "volumeMounts", "2", NULL));
	json_object_put(items);
	paude_session_spec_release(&spec);
}

static void
test_manifests_carry_private_destination_exceptions(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "pypi");
	paude_strvec_clear(&spec.env);
	paude_strvec_push(&spec.meta.allow_private_dst, "10.89.0.0/24");
	const struct paude_kube_opts o = { 0 };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, NULL, &items, NULL), 0);
	assert_int_equal(json_object_array_length(items), 5);
	struct json_object *dep = json_object_array_get_idx(items, 3);
	assert_string_equal(STR(dep, "kind"), "Deployment");
	const char *conf = env_value(path(dep, "spec", "template", "spec", "containers", "0", NULL),
				     "PAUDE_SQUID_CONF");
	assert_non_null(conf);
	assert_non_null(strstr(conf, "# Except (PAUDE_PROXY_ALLOW_PRIVATE_DST): 10.89.0.0/24\n"));
	assert_non_null(strstr(conf, " 10.88.0.0/16 10.89.1.0/24 "));
	struct json_object *sts = json_object_array_get_idx(items, 4);
	assert_string_equal(STR(sts, "metadata", "annotations", "paude.io/allow-private-dst"),
			    "[\"10.89.0.0/24\"]");
	json_object_put(items);
	paude_session_spec_release(&spec);
}

static void
test_manifests_on_openshift_leave_uids_to_the_scc(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	const struct paude_kube_opts o = { .openshift = true };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, NULL, &items, NULL), 0);
	struct json_object *sts = json_object_array_get_idx(items, 4);
	struct json_object *pod = path(sts, "spec", "template", "spec", NULL);
	assert_null(path(pod, "securityContext", "runAsUser", NULL));
	assert_null(path(pod, "securityContext", "fsGroup", NULL));
	assert_true(BOOL(pod, "securityContext", "runAsNonRoot"));
	/* No IP yet (dry run): no hostAliases. */
	assert_null(path(pod, "hostAliases", NULL));
	assert_string_equal(STR(sts, "spec", "volumeClaimTemplates", "0", "spec", "resources",
				"requests", "storage"),
			    "10Gi");
	assert_null(
	    path(sts, "spec", "volumeClaimTemplates", "0", "spec", "storageClassName", NULL));
	save_manifest("openshift-statefulset", sts);
	save_manifest("openshift-proxy-deployment", json_object_array_get_idx(items, 3));
	json_object_put(items);
	paude_session_spec_release(&spec);
}

/* Whether any string anywhere in o contains needle. */
static bool
mentions(struct json_object *o, const char *needle)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return strstr(text, needle) != NULL;
}

/* With the model gateway: the credentials go into a Secret that only the
 * proxy pod mounts; the agent's pod spec never names it, holds no gcloud
 * setting, and may reach the gateway's port on the proxy only. */
static void
test_manifests_put_the_credentials_in_the_proxy_pod_only(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	char adc[] = "/tmp/paude-test-adc-XXXXXX";
	int fd = mkstemp(adc);
	assert_true(fd >= 0);
	const char cred[] = "{\"type\":\"authorized_user\",\"refresh_token\":\"SECRET-RT\"}";
	assert_int_equal(write(fd, cred, strlen(cred)), (ssize_t)strlen(cred));
	close(fd);
	const struct paude_gateway g = {
		.provider = "vertex",
		.project = "my-proj",
		.regions = "us-east5",
		.adc_host_file = adc,
	};
	spec.gateway = &g;
	spec.meta.gateway = strdup("vertex");
	const struct paude_kube_opts o = { 0 };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, "172.30.0.9", &items, NULL), 0);
	assert_int_equal(json_object_array_length(items), 6);
	struct json_object *ap = json_object_array_get_idx(items, 0);
	struct json_object *secret = json_object_array_get_idx(items, 1);
	struct json_object *pp = json_object_array_get_idx(items, 2);
	struct json_object *svc = json_object_array_get_idx(items, 3);
	struct json_object *dep = json_object_array_get_idx(items, 4);
	struct json_object *sts = json_object_array_get_idx(items, 5);
	assert_string_equal(STR(secret, "kind"), "Secret");
	assert_string_equal(STR(secret, "metadata", "name"), "paude-proxy-demo-credentials");
	assert_string_equal(STR(secret, "stringData", "adc.json"), cred);

	/* The proxy pod: the Secret as a read-only volume, the gateway's settings. */
	struct json_object *pod = path(dep, "spec", "template", "spec", NULL);
	struct json_object *pc = path(pod, "containers", "0", NULL);
	/* After the proxy's four memory directories (run, log, spool, tmp). */
	assert_string_equal(STR(pod, "volumes", "4", "secret", "secretName"),
			    "paude-proxy-demo-credentials");
	assert_string_equal(STR(pc, "volumeMounts", "4", "mountPath"), "/etc/paude-gateway");
	assert_true(BOOL(pc, "volumeMounts", "4", "readOnly"));
	assert_string_equal(env_value(pc, "PAUDE_GATEWAY_ADC"), "/etc/paude-gateway/adc.json");
	assert_string_equal(env_value(pc, "PAUDE_GATEWAY_PROJECT"), "my-proj");
	assert_string_equal(env_value(pc, "PAUDE_GATEWAY_LISTEN"), "0.0.0.0:8090");
	assert_int_equal(INT(pc, "ports", "1", "containerPort"), 8090);
	assert_int_equal(INT(svc, "spec", "ports", "1", "port"), 8090);
	assert_int_equal(INT(pp, "spec", "ingress", "0", "ports", "1", "port"), 8090);
	assert_int_equal(INT(ap, "spec", "egress", "0", "ports", "1", "port"), 8090);

	/* The agent's pod: no Secret, no credentials, no gcloud. */
	assert_false(mentions(sts, "paude-proxy-demo-credentials"));
	assert_false(mentions(sts, "SECRET-RT"));
	assert_false(mentions(sts, "secretKeyRef"));
	assert_false(mentions(sts, "CLOUDSDK_CONFIG"));
	struct json_object *ac = path(sts, "spec", "template", "spec", "containers", "0", NULL);
	assert_string_equal(env_value(ac, "NO_PROXY"), "localhost,127.0.0.1,::1,paude-proxy");
	assert_string_equal(STR(sts, "metadata", "annotations", "paude.io/gateway"), "vertex");
	for (size_t i = 0; i < json_object_array_length(items); i++)
		if (i != 1 && mentions(json_object_array_get_idx(items, i), "SECRET-RT"))
			fail_msg("item %zu holds the credentials", i);
	save_manifest("gateway-secret", secret);
	save_manifest("gateway-proxy-deployment", dep);
	save_manifest("gateway-proxy-service", svc);
	save_manifest("gateway-proxy-policy", pp);
	save_manifest("gateway-agent-policy", ap);
	save_manifest("gateway-statefulset", sts);
	json_object_put(items);

	/* For showing (--dry-run): a placeholder instead of the credentials. */
	const struct paude_kube_opts shown = { .redact = true };
	assert_int_equal(paude_kube_manifests(&spec, &shown, NULL, &items, NULL), 0);
	assert_false(mentions(items, "SECRET-RT"));
	json_object_put(items);

	/* The Anthropic API: the key reaches the gateway as a variable from the Secret. */
	const struct paude_gateway ga = { .provider = "anthropic",
					  .api_key = true,
					  .api_key_value = "sk-ant-SECRET-K" };
	spec.gateway = &ga;
	assert_int_equal(paude_kube_manifests(&spec, &o, "172.30.0.9", &items, NULL), 0);
	secret = json_object_array_get_idx(items, 1);
	assert_string_equal(STR(secret, "stringData", "anthropic-api-key"), "sk-ant-SECRET-K");
	pc = path(json_object_array_get_idx(items, 4), "spec", "template", "spec", "containers",
		  "0", NULL);
	assert_true(mentions(pc, "secretKeyRef"));
	assert_false(mentions(json_object_array_get_idx(items, 5), "SECRET-K"));
	save_manifest("gateway-api-key-secret", secret);
	save_manifest("gateway-api-key-proxy-deployment", json_object_array_get_idx(items, 4));
	json_object_put(items);
	unlink(adc);
	paude_session_spec_release(&spec);
}

static void
test_manifests_of_an_unrestricted_session(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "all");
	spec.proxy_image = NULL;
	/* A limit below the usual request: the request follows it down. */
	spec.meta.memory = 512ull << 20;
	spec.meta.cpus_milli = 100;
	const struct paude_kube_opts o = { 0 };
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_manifests(&spec, &o, NULL, &items, NULL), 0);
	assert_int_equal(json_object_array_length(items), 2);
	struct json_object *ap = json_object_array_get_idx(items, 0);
	assert_string_equal(STR(ap, "kind"), "NetworkPolicy");
	assert_int_equal(json_object_array_length(path(ap, "spec", "policyTypes", NULL)), 1);
	assert_null(path(ap, "spec", "egress", NULL));
	struct json_object *c = path(json_object_array_get_idx(items, 1), "spec", "template",
				     "spec", "containers", "0", NULL);
	assert_null(env_value(c, "HTTPS_PROXY"));
	assert_string_equal(STR(c, "resources", "limits", "memory"), "512Mi");
	assert_string_equal(STR(c, "resources", "requests", "memory"), "512Mi");
	assert_string_equal(STR(c, "resources", "limits", "cpu"), "100m");
	assert_string_equal(STR(c, "resources", "requests", "cpu"), "100m");
	save_manifest("unrestricted-agent-policy", ap);
	save_manifest("unrestricted-statefulset", json_object_array_get_idx(items, 1));
	json_object_put(items);
	paude_session_spec_release(&spec);
}

static void
test_manifests_reject_bad_sizes_and_classes(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	struct json_object *items = NULL;
	struct paude_error *err = NULL;
	const struct paude_kube_opts bad_size = { .pvc_size = "ten" };
	assert_int_equal(paude_kube_manifests(&spec, &bad_size, NULL, &items, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "invalid PVC size 'ten' (write a quantity such as 10Gi)");
	paude_error_clear(&err);
	const struct paude_kube_opts bad_class = { .storage_class = "--all" };
	assert_int_equal(paude_kube_manifests(&spec, &bad_class, NULL, &items, &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_null(items);
	paude_session_spec_release(&spec);
}

static void
test_build_manifests(void **state)
{
	(void)state;
	const struct paude_image_arg a = { "CLAUDE_CODE_VERSION", "latest" };
	const struct paude_image_target t = {
		.dir = "paude", .repo = "localhost/paude-agent", .args = &a, .nargs = 1
	};
	struct json_object *items = NULL;
	assert_int_equal(paude_kube_build_manifests("paude-agent", "0123456789abcdef",
						    "docker.io/library/debian:bookworm-slim", &t,
						    false, &items, NULL),
			 0);
	struct json_object *is = json_object_array_get_idx(items, 0);
	struct json_object *bc = json_object_array_get_idx(items, 1);
	assert_string_equal(STR(is, "kind"), "ImageStream");
	assert_string_equal(STR(bc, "kind"), "BuildConfig");
	assert_string_equal(STR(bc, "spec", "source", "type"), "Binary");
	assert_string_equal(STR(bc, "spec", "strategy", "dockerStrategy", "dockerfilePath"),
			    "Containerfile");
	assert_string_equal(
	    STR(bc, "spec", "strategy", "dockerStrategy", "buildArgs", "0", "value"),
	    "docker.io/library/debian:bookworm-slim");
	assert_string_equal(STR(bc, "spec", "strategy", "dockerStrategy", "buildArgs", "1", "name"),
			    "CLAUDE_CODE_VERSION");
	assert_string_equal(STR(bc, "spec", "output", "to", "name"),
			    "paude-agent:0123456789abcdef");
	save_manifest("build-imagestream", is);
	save_manifest("build-buildconfig", bc);
	json_object_put(items);
	assert_int_equal(
	    paude_kube_build_manifests("paude-agent", "xyz;", "b", &t, false, &items, NULL),
	    PAUDE_EUSAGE);
}

static struct paude_backend *
open_kube(struct fake_runner *f, const char *tool, const char *context, const char *ns)
{
	struct paude_backend *b = NULL;
	const struct paude_kube_opts o = { .tool = tool, .context = context, .namespace = ns };
	assert_int_equal(paude_kube_open(&b, &f->runner, &o, NULL), 0);
	return b;
}

static const char empty_list[] = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}";

static void
test_create_applies_policies_proxy_then_agent(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--context=c1", "--namespace=team", "api-resources"),
		  .out = "buildconfigs.build.openshift.io\n" },
		{ .prefix =
		      FAKE_ARGV("oc", "--context=c1", "--namespace=team", "get", "statefulsets"),
		  .out = empty_list },
		{ .prefix = FAKE_ARGV("oc", "--context=c1", "--namespace=team", "get", "service"),
		  .out = "172.30.9.9" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", "c1", "team");
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), 0);
	assert_null(err);
	assert_int_equal(f.calls.nr, 6);
	assert_string_equal(fake_runner_call(&f, 0),
			    "oc --context=c1 get namespace team --output=name");
	assert_string_equal(fake_runner_call(&f, 1),
			    "oc --context=c1 --namespace=team api-resources "
			    "--api-group=build.openshift.io --output=name");
	assert_string_equal(fake_runner_call(&f, 2),
			    "oc --context=c1 --namespace=team get statefulsets --selector "
			    "app=paude,paude.io/session-name=demo --output json");
	assert_string_equal(fake_runner_call(&f, 3),
			    "oc --context=c1 --namespace=team apply --filename=- --output=name");
	assert_string_equal(fake_runner_call(&f, 4),
			    "oc --context=c1 --namespace=team get service paude-proxy-demo "
			    "--output 'jsonpath={.spec.clusterIP}'");
	assert_string_equal(fake_runner_call(&f, 5),
			    "oc --context=c1 --namespace=team apply --filename=- --output=name");

	/* First apply: a List of everything but the StatefulSet. */
	struct json_object *list = NULL;
	const char *in = f.stdin_data.v[3];
	assert_int_equal(paude_json_parse(&list, in, strlen(in), "stdin", NULL), 0);
	assert_string_equal(STR(list, "kind"), "List");
	assert_int_equal(json_object_array_length(path(list, "items", NULL)), 4);
	assert_string_equal(STR(list, "items", "3", "kind"), "Deployment");
	json_object_put(list);
	/* Then the StatefulSet, with the proxy's address and OpenShift's uids. */
	struct json_object *sts = NULL;
	in = f.stdin_data.v[5];
	assert_int_equal(paude_json_parse(&sts, in, strlen(in), "stdin", NULL), 0);
	assert_string_equal(STR(sts, "kind"), "StatefulSet");
	assert_string_equal(STR(sts, "spec", "template", "spec", "hostAliases", "0", "ip"),
			    "172.30.9.9");
	assert_null(path(sts, "spec", "template", "spec", "securityContext", "runAsUser", NULL));
	json_object_put(sts);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_unrestricted_with_ca_applies_its_config_map_first(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "statefulsets"),
		  .out = empty_list },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	struct paude_session_spec spec;
	make_spec(&spec, "all");
	make_ca_file(test_pem);
	spec.mounts = &ca_mount;
	spec.n_mounts = 1;
	assert_int_equal(paude_backend_create(b, &spec, NULL), 0);
	unlink(ca_host);
	/* No proxy: no Service to ask for an address; policy and ConfigMap, then the agent. */
	assert_int_equal(fake_runner_find(&f, "oc --namespace=team get service"), -1);
	long first = fake_runner_find(&f, "oc --namespace=team apply");
	assert_true(first >= 0);
	struct json_object *list = NULL;
	const char *in = f.stdin_data.v[first];
	assert_int_equal(paude_json_parse(&list, in, strlen(in), "stdin", NULL), 0);
	assert_int_equal(json_object_array_length(path(list, "items", NULL)), 2);
	assert_string_equal(STR(list, "items", "1", "kind"), "ConfigMap");
	json_object_put(list);
	assert_non_null(strstr(f.stdin_data.v[f.calls.nr - 1], "\"StatefulSet\""));
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_failure_deletes_what_it_applied(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "get", "statefulsets"),
		  .out = empty_list },
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "get", "service"),
		  .out = "10.0.0.7" },
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "apply"),
		  .errout = "Error from server (Forbidden): error when creating \"STDIN\": "
			    "statefulsets.apps is forbidden: exceeded quota: compute, requested: "
			    "limits.memory=4Gi\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "kubectl", NULL, "team");
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ECHILD);
	assert_non_null(strstr(err->msg, "cannot create session 'demo': the namespace's resource "
					 "quota is exhausted"));
	assert_non_null(strstr(err->msg, "exceeded quota: compute"));
	assert_null(strchr(err->msg, '\n'));
	long del = fake_runner_find(&f, "kubectl --namespace=team delete");
	assert_true(del > 0);
	assert_string_equal(
	    fake_runner_call(&f, (size_t)del),
	    "kubectl --namespace=team delete "
	    "statefulset,deployment,service,networkpolicy,configmap,secret,persistentvolumeclaim "
	    "--selector app=paude,paude.io/session-name=demo "
	    "--ignore-not-found=true --wait=false");
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_in_missing_namespace_applies_nothing(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "get", "namespace"),
		  .errout = "Error from server (NotFound): namespaces \"nope\" not found\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "nope");
	struct paude_session_spec spec;
	make_spec(&spec, "default");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "namespace 'nope' does not exist (paude does not create "
				      "namespaces: pick one with --openshift-namespace, or ask an "
				      "administrator)");
	assert_int_equal(f.calls.nr, 1);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_not_logged_in_is_one_clear_line(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc"),
		  .errout = "error: You must be logged in to the server (Unauthorized)\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	struct paude_session_list l = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_list(b, &l, &err), PAUDE_ECHILD);
	assert_string_equal(
	    err->msg, "cannot list sessions on the cluster: not logged in to the cluster (log "
		      "in with: oc login): oc: exit 1: error: You must be logged in to the "
		      "server (Unauthorized)");
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_namespace_comes_from_the_context(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("kubectl", "config", "view"), .out = "my-ns" },
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=my-ns", "get"), .out = empty_list },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "kubectl", NULL, NULL);
	struct paude_session_list l = { 0 };
	assert_int_equal(paude_backend_list(b, &l, NULL), 0);
	assert_int_equal(l.nr, 0);
	assert_string_equal(fake_runner_call(&f, 0),
			    "kubectl config view --minify --output 'jsonpath={..namespace}'");
	assert_string_equal(fake_runner_call(&f, 1),
			    "kubectl --namespace=my-ns get statefulsets --selector app=paude "
			    "--output json");
	paude_backend_free(b);
	fake_runner_release(&f);
}

static const char sts_json[] =
    "{\"kind\":\"List\",\"items\":["
    "{\"metadata\":{\"name\":\"paude-demo\",\"labels\":{\"app\":\"paude\","
    "\"paude.io/session-name\":\"demo\"},\"annotations\":{"
    "\"paude.io/workspace\":\"/home/u/demo\",\"paude.io/yolo\":\"true\","
    "\"paude.io/allowed-domains\":\"[\\\"default\\\"]\","
    "\"paude.io/agent-args\":\"[\\\"-p\\\",\\\"x y\\\"]\"}},"
    "\"spec\":{\"replicas\":1},\"status\":{\"readyReplicas\":1}},"
    "{\"metadata\":{\"name\":\"paude-open\",\"labels\":{\"app\":\"paude\","
    "\"paude.io/session-name\":\"open\"},\"annotations\":{"
    "\"paude.io/allowed-domains\":\"[\\\"all\\\"]\"}},"
    "\"spec\":{\"replicas\":0},\"status\":{}},"
    "{\"metadata\":{\"name\":\"other\",\"labels\":{\"app\":\"web\"}}},"
    "{\"metadata\":{\"name\":\"paude-bad\",\"labels\":{\"app\":\"paude\","
    "\"paude.io/session-name\":\"-bad\"}}}"
    "]}";

static void
test_parse_statefulsets(void **state)
{
	(void)state;
	struct paude_session_list l = { 0 };
	assert_int_equal(
	    paude_kube_parse_statefulsets(&l, sts_json, strlen(sts_json), "c/ns", NULL), 0);
	assert_int_equal(l.nr, 2);
	assert_string_equal(l.v[0].name, "demo");
	assert_int_equal(l.v[0].state, PAUDE_SESSION_RUNNING);
	assert_string_equal(l.v[0].backend, "openshift");
	assert_string_equal(l.v[0].location, "c/ns");
	assert_string_equal(l.v[0].workspace, "/home/u/demo");
	assert_true(l.v[0].yolo);
	assert_string_equal(l.v[0].agent_args.v[1], "x y");
	assert_string_equal(l.v[1].name, "open");
	assert_int_equal(l.v[1].state, PAUDE_SESSION_STOPPED);
	paude_session_list_release(&l);
	struct paude_error *err = NULL;
	assert_int_equal(paude_kube_parse_statefulsets(&l, "[]", 2, NULL, &err), PAUDE_EPROTO);
	paude_error_free(err);
}

static void
test_start_stop_remove_argv(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "statefulsets"),
		  .out = sts_json },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	assert_int_equal(paude_backend_start(b, "demo", NULL), 0);
	assert_int_equal(f.calls.nr, 5);
	assert_string_equal(fake_runner_call(&f, 1),
			    "oc --namespace=team scale deployment/paude-proxy-demo --replicas=1");
	assert_string_equal(fake_runner_call(&f, 2),
			    "oc --namespace=team rollout status deployment/paude-proxy-demo "
			    "--timeout=300s");
	assert_string_equal(fake_runner_call(&f, 3),
			    "oc --namespace=team scale statefulset/paude-demo --replicas=1");
	assert_string_equal(fake_runner_call(&f, 4),
			    "oc --namespace=team rollout status statefulset/paude-demo "
			    "--timeout=300s");

	assert_int_equal(paude_backend_stop(b, "demo", NULL), 0);
	assert_int_equal(f.calls.nr, 8);
	assert_string_equal(fake_runner_call(&f, 6),
			    "oc --namespace=team scale statefulset/paude-demo --replicas=0");
	assert_string_equal(fake_runner_call(&f, 7),
			    "oc --namespace=team scale deployment/paude-proxy-demo --replicas=0");

	/* An unrestricted session has no proxy to scale. */
	assert_int_equal(paude_backend_start(b, "open", NULL), 0);
	assert_int_equal(f.calls.nr, 11);
	assert_string_equal(fake_runner_call(&f, 9),
			    "oc --namespace=team scale statefulset/paude-open --replicas=1");

	assert_int_equal(paude_backend_remove(b, "demo", NULL), 0);
	assert_string_equal(
	    fake_runner_call(&f, 11),
	    "oc --namespace=team delete "
	    "statefulset,deployment,service,networkpolicy,configmap,secret,persistentvolumeclaim "
	    "--selector app=paude,paude.io/session-name=demo "
	    "--ignore-not-found=true --wait=false");
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_start_explains_an_image_pull_failure(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "statefulsets"),
		  .out = sts_json },
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "rollout", "status",
				      "statefulset/paude-demo"),
		  .errout = "error: timed out waiting for the condition\n",
		  .status = 1 },
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "pod", "paude-demo-0"),
		  .out = "{\"status\":{\"containerStatuses\":[{\"state\":{\"waiting\":{"
			 "\"reason\":\"ImagePullBackOff\",\"message\":\"Back-off pulling image "
			 "x\"}}}]}}" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_start(b, "demo", &err), PAUDE_ECHILD);
	assert_non_null(strstr(err->msg, "the image cannot be pulled: ImagePullBackOff: Back-off "
					 "pulling image x: cannot start session 'demo'"));
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_exec_prepare_argv(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend *b = open_kube(&f, "oc", "ctx/a", "team");
	struct paude_child c = PAUDE_CHILD_INIT;
	const char *const argv[] = { "git-upload-pack", "/pvc/workspace", NULL };
	assert_int_equal(paude_backend_exec_prepare(b, "demo", PAUDE_EXEC_STDIN, argv, &c, NULL),
			 0);
	struct paude_buf q = PAUDE_BUF_INIT;
	paude_quote_argv(&q, (const char *const *)c.args.v);
	assert_string_equal(q.buf, "oc --context=ctx/a --namespace=team exec --stdin paude-demo-0 "
				   "--container=agent -- git-upload-pack /pvc/workspace");
	paude_child_release(&c);
	paude_buf_reset(&q);

	setenv("TERM", "xterm-256color", 1);
	paude_child_init(&c);
	const char *const attach[] = { "paude-session", "attach", NULL };
	assert_int_equal(paude_backend_exec_prepare(b, "demo", PAUDE_EXEC_STDIN | PAUDE_EXEC_TTY,
						    attach, &c, NULL),
			 0);
	paude_quote_argv(&q, (const char *const *)c.args.v);
	assert_string_equal(q.buf, "oc --context=ctx/a --namespace=team exec --stdin --tty "
				   "paude-demo-0 --container=agent -- env TERM=xterm-256color "
				   "paude-session attach");
	paude_child_release(&c);
	paude_buf_release(&q);

	struct paude_error *err = NULL;
	paude_child_init(&c);
	assert_int_equal(paude_backend_exec_prepare(b, "-x", 0, argv, &c, &err), PAUDE_EUSAGE);
	paude_error_free(err);
	paude_child_release(&c);
	assert_int_equal(f.calls.nr, 0);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_open_rejects_bad_options(void **state)
{
	(void)state;
	struct paude_backend *b = NULL;
	struct paude_error *err = NULL;
	const struct paude_kube_opts bad_ns = { .tool = "oc", .namespace = "-n" };
	assert_int_equal(paude_kube_open(&b, NULL, &bad_ns, &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	const struct paude_kube_opts bad_tool = { .tool = "sh" };
	assert_int_equal(paude_kube_open(&b, NULL, &bad_tool, &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	const struct paude_kube_opts bad_ctx = { .tool = "oc", .context = "--token=x" };
	assert_int_equal(paude_kube_open(&b, NULL, &bad_ctx, &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_null(b);
	assert_int_equal(paude_backend_open_name(&b, "kubernetes", NULL, NULL), 0);
	assert_string_equal(b->ops->name, "openshift");
	paude_backend_free(b);
}

static void
test_image_stream_tag_is_reused(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "imagestreamtag"),
		  .out = "image-registry.openshift-image-registry.svc:5000/team/paude-proxy@sha256:"
			 "aa\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	const struct paude_image_target t = { .dir = "proxy", .repo = "localhost/paude-proxy" };
	const struct paude_image_opts o = { .base = "docker.io/library/debian:bookworm-slim" };
	char *tag = NULL;
	assert_int_equal(paude_image_tag(&t, &o, &tag, NULL, NULL), 0);
	char *ref = NULL;
	assert_int_equal(paude_kube_image_ensure(b, &t, &o, &ref, NULL), 0);
	assert_string_equal(ref, "image-registry.openshift-image-registry.svc:5000/team/"
				 "paude-proxy@sha256:aa");
	assert_int_equal(f.calls.nr, 1);
	char expect[256];
	snprintf(expect, sizeof(expect),
		 "oc --namespace=team get imagestreamtag paude-proxy:%s --output "
		 "'jsonpath={.image.dockerImageReference}'",
		 strrchr(tag, ':') + 1);
	assert_string_equal(fake_runner_call(&f, 0), expect);
	free(ref);
	free(tag);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_image_is_built_in_the_cluster_when_missing(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "imagestreamtag"),
		  .errout = "Error from server (NotFound): imagestreamtags.image.openshift.io "
			    "\"paude-proxy:x\" not found\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	const struct paude_image_target t = { .dir = "proxy", .repo = "localhost/paude-proxy" };
	const struct paude_image_opts o = { .base = "docker.io/library/debian:bookworm-slim" };
	char *ref = NULL;
	struct paude_error *err = NULL;
	/* The fake build "succeeds" but the tag never appears: a clear error. */
	assert_int_equal(paude_kube_image_ensure(b, &t, &o, &ref, &err), PAUDE_EPROTO);
	assert_int_equal(f.calls.nr, 4);
	assert_string_equal(fake_runner_call(&f, 1),
			    "oc --namespace=team apply --filename=- --output=name");
	assert_non_null(strstr(f.stdin_data.v[1], "\"BuildConfig\""));
	const char *build = fake_runner_call(&f, 2);
	assert_int_equal(
	    strncmp(build, "oc --namespace=team start-build paude-proxy --from-dir=", 55), 0);
	assert_non_null(strstr(build, " --follow --wait"));
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_custom_image_is_built_in_the_cluster_from_its_files(void **state)
{
	(void)state;
	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "imagestreamtag"),
		  .errout = "Error from server (NotFound): imagestreamtags.image.openshift.io "
			    "\"paude-custom:x\" not found\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	/* A generated context with a feature in a directory, as image-custom makes. */
	char cf[] = "Containerfile", feat[] = "features/01-demo/install.sh", bad[] = "../escape";
	struct paude_image_file fv[] = {
		{ .path = cf, .data = (unsigned char *)"FROM x\n", .size = 7, .mode = 0644 },
		{ .path = feat, .data = (unsigned char *)"true\n", .size = 5, .mode = 0755 },
	};
	const struct paude_image_files files = { fv, ARRAY_SIZE(fv) };
	const struct paude_image_arg arg = { "CLAUDE_CODE_VERSION", "2.0.1" };
	const struct paude_kube_build kb = {
		.local_ref = "localhost/paude-custom:0123456789abcdef",
		.files = &files,
		.base = "registry.example/project-base:3",
		.args = &arg,
		.nargs = 1,
	};
	char tmp[] = "/tmp/paude-test-kube-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", tmp, 1);
	const struct paude_image_opts o = { 0 };
	char *ref = NULL;
	struct paude_error *err = NULL;
	/* The fake build "succeeds" but no tag appears: a clear error. */
	assert_int_equal(paude_kube_image_build(b, &kb, &o, &ref, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "paude-custom:0123456789abcdef"));
	if (old_tmp)
		setenv("TMPDIR", old_tmp, 1);
	else
		unsetenv("TMPDIR");
	free(old_tmp);
	/* The context was written and is gone again, directories included. */
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(f.calls.nr, 4);
	assert_string_equal(fake_runner_call(&f, 0), "oc --namespace=team get imagestreamtag "
						     "paude-custom:0123456789abcdef --output "
						     "'jsonpath={.image.dockerImageReference}'");
	struct json_object *list = NULL;
	const char *in = f.stdin_data.v[1];
	assert_int_equal(paude_json_parse(&list, in, strlen(in), "stdin", NULL), 0);
	struct json_object *bc = path(list, "items", "1", NULL);
	assert_string_equal(STR(bc, "kind"), "BuildConfig");
	assert_string_equal(STR(bc, "metadata", "name"), "paude-custom");
	struct json_object *ds = path(bc, "spec", "strategy", "dockerStrategy", NULL);
	assert_string_equal(STR(ds, "buildArgs", "0", "name"), "BASE_IMAGE");
	assert_string_equal(STR(ds, "buildArgs", "0", "value"), "registry.example/project-base:3");
	assert_string_equal(STR(ds, "buildArgs", "1", "name"), "CLAUDE_CODE_VERSION");
	assert_string_equal(STR(ds, "buildArgs", "1", "value"), "2.0.1");
	assert_string_equal(STR(bc, "spec", "output", "to", "name"),
			    "paude-custom:0123456789abcdef");
	json_object_put(list);
	char expect[256];
	snprintf(expect, sizeof(expect),
		 "oc --namespace=team start-build paude-custom --from-dir=%s/", tmp);
	assert_int_equal(strncmp(fake_runner_call(&f, 2), expect, strlen(expect)), 0);
	paude_error_free(err);
	err = NULL;

	/* A path leaving the context is refused before anything is written. */
	fv[1].path = bad;
	assert_int_equal(paude_kube_image_build(b, &kb, &o, &ref, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "invalid build file '../escape'"));
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

/* Where `paude remote add` put remotes, for `paude delete` to clean. */
static void
test_index_remembers_remote_directories(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-test-remotes-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	struct paude_strvec v = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_index_remote_dirs("demo", &v, NULL), 0);
	assert_int_equal(v.nr, 0);
	assert_int_equal(paude_index_remote_forget("demo", NULL), 0);
	assert_int_equal(paude_index_remote_record("demo", "/work/a", NULL), 0);
	assert_int_equal(paude_index_remote_record("demo", "/work/b", NULL), 0);
	assert_int_equal(paude_index_remote_record("demo", "/work/a", NULL), 0); /* once */
	assert_int_equal(paude_index_remote_record("other", "/work/c", NULL), 0);
	assert_int_equal(paude_index_remote_dirs("demo", &v, NULL), 0);
	assert_int_equal(v.nr, 2);
	assert_string_equal(v.v[0], "/work/a");
	assert_string_equal(v.v[1], "/work/b");
	paude_strvec_clear(&v);
	assert_int_equal(paude_index_remote_forget("demo", NULL), 0);
	assert_int_equal(paude_index_remote_dirs("demo", &v, NULL), 0);
	assert_int_equal(v.nr, 0);
	assert_int_equal(paude_index_remote_dirs("other", &v, NULL), 0);
	assert_int_equal(v.nr, 1);
	paude_strvec_clear(&v);
	/* A damaged file is named. */
	char path[256];
	snprintf(path, sizeof(path), "%s/paude/remotes.json", dir);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	(void)fputs("{not json", f);
	(void)fclose(f);
	struct paude_error *err = NULL;
	assert_true(paude_index_remote_dirs("demo", &v, &err) < 0);
	assert_non_null(strstr(err->msg, "remotes.json' is damaged"));
	paude_error_free(err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/paude", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("XDG_STATE_HOME");
}

static int
index_put(const char *name, const char *context, const char *namespace)
{
	const struct paude_location at = {
		.kind = PAUDE_LOCATION_CLUSTER,
		.context = (char *)context,
		.namespace = (char *)namespace,
	};
	return paude_index_put(name, &at, NULL);
}

static void
test_index_put_find_remove(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-test-index-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	struct paude_index ix = { 0 };
	assert_int_equal(paude_index_load(&ix, NULL), 0);
	assert_int_equal(ix.nr, 0);
	assert_int_equal(index_put("demo", "ctx/a", "team"), 0);
	assert_int_equal(index_put("two", NULL, "other"), 0);
	assert_int_equal(index_put("demo", "ctx/b", "team2"), 0);
	assert_int_equal(paude_index_load(&ix, NULL), 0);
	assert_int_equal(ix.nr, 2);
	const struct paude_index_entry *e = paude_index_find(&ix, "demo");
	assert_string_equal(e->where.context, "ctx/b");
	assert_string_equal(e->where.namespace, "team2");
	assert_null(paude_index_find(&ix, "two")->where.context);
	assert_int_equal(paude_index_remove("demo", NULL), 0);
	assert_int_equal(paude_index_remove("absent", NULL), 0);
	assert_int_equal(paude_index_load(&ix, NULL), 0);
	assert_int_equal(ix.nr, 1);
	assert_null(paude_index_find(&ix, "demo"));
	paude_index_release(&ix);
	char path[256];
	snprintf(path, sizeof(path), "%s/paude/sessions.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/paude", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("XDG_STATE_HOME");

	/* Damaged entries are dropped, a damaged file is an error. */
	const char doc[] = "{\"sessions\":{\"ok\":{\"backend\":\"openshift\",\"namespace\":\"n\"},"
			   "\"-bad\":{\"backend\":\"openshift\",\"namespace\":\"n\"},"
			   "\"nons\":{\"backend\":\"openshift\"}}}";
	assert_int_equal(paude_index_parse(&ix, doc, strlen(doc), NULL), 0);
	assert_int_equal(ix.nr, 1);
	paude_index_release(&ix);
	struct paude_error *err = NULL;
	assert_int_equal(paude_index_parse(&ix, "[1]", 3, &err), PAUDE_EPROTO);
	paude_error_free(err);
}

static void
fill_session(struct paude_session *s, const char *const *domains, enum paude_session_state st)
{
	paude_session_init(s);
	s->name = strdup("demo");
	s->state = st;
	paude_strvec_pushv(&s->allowed_domains, domains);
	paude_strvec_push(&s->allow_private_dst, "10.20.0.0/16");
}

static void
test_policy_patch_gives_the_proxy_its_new_squid_config(void **state)
{
	(void)state;
	struct paude_session s;
	fill_session(&s, FAKE_ARGV("pypi"), PAUDE_SESSION_RUNNING);
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	assert_int_equal(paude_allowlist_parse(&al, FAKE_ARGV("pypi", "example.com"), NULL), 0);
	struct json_object *patch = NULL;
	assert_int_equal(paude_kube_policy_patch(&s, &al, &patch, NULL), 0);
	assert_string_equal(
	    STR(patch, "spec", "template", "metadata", "annotations", "paude.io/allowed-domains"),
	    "[\"pypi\",\"example.com\"]");
	assert_string_equal(STR(patch, "spec", "template", "spec", "containers", "0", "name"),
			    "proxy");
	assert_string_equal(
	    STR(patch, "spec", "template", "spec", "containers", "0", "env", "0", "name"),
	    "PAUDE_SQUID_CONF");
	const char *conf =
	    STR(patch, "spec", "template", "spec", "containers", "0", "env", "0", "value");
	assert_non_null(strstr(conf, "acl paude_allowed dstdomain -n example.com "
				     "files.pythonhosted.org pypi.org\n"));
	assert_non_null(strstr(conf, "10.20.0.0/16"));
	/* Only the proxy container's entry: nothing else of the Deployment. */
	assert_int_equal(json_object_object_length(path(patch, "spec", NULL)), 1);
	assert_int_equal(
	    json_object_array_length(path(patch, "spec", "template", "spec", "containers", NULL)),
	    1);
	json_object_put(patch);

	struct paude_allowlist all = PAUDE_ALLOWLIST_INIT;
	assert_int_equal(paude_allowlist_parse(&all, FAKE_ARGV("all"), NULL), 0);
	struct paude_error *e = NULL;
	assert_int_equal(paude_kube_policy_patch(&s, &all, &patch, &e), PAUDE_EUSAGE);
	paude_error_free(e);
	paude_allowlist_release(&all);
	paude_allowlist_release(&al);
	paude_session_release(&s);
}

static void
test_set_allowlist_patches_annotates_and_waits_for_a_running_proxy(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend *b = open_kube(&f, "oc", NULL, "team");
	struct paude_session s;
	fill_session(&s, FAKE_ARGV("pypi"), PAUDE_SESSION_RUNNING);
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	assert_int_equal(paude_allowlist_parse(&al, FAKE_ARGV("pypi", "example.com"), NULL), 0);
	struct paude_error *err = NULL;
	assert_int_equal(b->ops->set_allowlist(b, &s, &al, &err), 0);
	assert_int_equal(f.calls.nr, 3);
	const char *patch = fake_runner_call(&f, 0);
	assert_true(!strncmp(patch,
			     "oc --namespace=team patch deployment/paude-proxy-demo "
			     "--type=strategic '--patch={\"spec\":{\"template\":",
			     strlen("oc --namespace=team patch deployment/paude-proxy-demo "
				    "--type=strategic '--patch={\"spec\":{\"template\":")));
	assert_non_null(strstr(patch, "example.com files.pythonhosted.org pypi.org"));
	assert_string_equal(fake_runner_call(&f, 1),
			    "oc --namespace=team annotate statefulset/paude-demo --overwrite "
			    "'paude.io/allowed-domains=[\"pypi\",\"example.com\"]'");
	assert_string_equal(fake_runner_call(&f, 2),
			    "oc --namespace=team rollout status deployment/paude-proxy-demo "
			    "--timeout=" PAUDE_KUBE_READY_TIMEOUT);
	fake_runner_release(&f);

	/* Stopped: nothing to wait for; a failed record puts the old config back. */
	s.state = PAUDE_SESSION_STOPPED;
	struct fake_reply fail_annotate[] = {
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "annotate"),
		  .errout = "Error from server (Forbidden): no\n",
		  .status = 1 },
	};
	fake_runner_init(&f, fail_annotate, ARRAY_SIZE(fail_annotate));
	b->runner = &f.runner;
	assert_int_equal(b->ops->set_allowlist(b, &s, &al, &err), PAUDE_ECHILD);
	assert_non_null(strstr(err->msg, "cannot change the network policy of session 'demo'"));
	assert_int_equal(f.calls.nr, 3);
	const char *undo = fake_runner_call(&f, 2);
	assert_non_null(strstr(undo, "patch deployment/paude-proxy-demo"));
	assert_non_null(strstr(undo, "dstdomain -n files.pythonhosted.org pypi.org\\n"));
	paude_error_free(err);
	err = NULL;
	fake_runner_release(&f);

	/* Unrestricted sessions have no proxy to change. */
	struct paude_session open;
	fill_session(&open, FAKE_ARGV("all"), PAUDE_SESSION_RUNNING);
	fake_runner_init(&f, NULL, 0);
	b->runner = &f.runner;
	assert_int_equal(b->ops->set_allowlist(b, &open, &al, &err), PAUDE_EUSAGE);
	assert_int_equal(f.calls.nr, 0);
	paude_error_free(err);
	fake_runner_release(&f);
	paude_session_release(&open);
	paude_allowlist_release(&al);
	paude_session_release(&s);
	paude_backend_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifests_of_a_filtered_session),
		cmocka_unit_test(test_policy_patch_gives_the_proxy_its_new_squid_config),
		cmocka_unit_test(
		    test_set_allowlist_patches_annotates_and_waits_for_a_running_proxy),
		cmocka_unit_test(test_manifests_without_ca_bundle_leave_its_variables_out),
		cmocka_unit_test(test_manifests_carry_private_destination_exceptions),
		cmocka_unit_test(test_manifests_on_openshift_leave_uids_to_the_scc),
		cmocka_unit_test(test_manifests_put_the_credentials_in_the_proxy_pod_only),
		cmocka_unit_test(test_manifests_of_an_unrestricted_session),
		cmocka_unit_test(test_manifests_reject_bad_sizes_and_classes),
		cmocka_unit_test(test_build_manifests),
		cmocka_unit_test(test_create_applies_policies_proxy_then_agent),
		cmocka_unit_test(test_create_unrestricted_with_ca_applies_its_config_map_first),
		cmocka_unit_test(test_create_failure_deletes_what_it_applied),
		cmocka_unit_test(test_create_in_missing_namespace_applies_nothing),
		cmocka_unit_test(test_not_logged_in_is_one_clear_line),
		cmocka_unit_test(test_namespace_comes_from_the_context),
		cmocka_unit_test(test_parse_statefulsets),
		cmocka_unit_test(test_start_stop_remove_argv),
		cmocka_unit_test(test_start_explains_an_image_pull_failure),
		cmocka_unit_test(test_exec_prepare_argv),
		cmocka_unit_test(test_open_rejects_bad_options),
		cmocka_unit_test(test_image_stream_tag_is_reused),
		cmocka_unit_test(test_image_is_built_in_the_cluster_when_missing),
		cmocka_unit_test(test_custom_image_is_built_in_the_cluster_from_its_files),
		cmocka_unit_test(test_index_put_find_remove),
		cmocka_unit_test(test_index_remembers_remote_directories),
	};
	return cmocka_run_group_tests_name("backend-kube", tests, NULL, NULL);
}
