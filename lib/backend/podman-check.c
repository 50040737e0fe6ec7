/* SPDX-License-Identifier: MIT */
/*
 * paude doctor's questions to Podman: podman info decoded into what the
 * report needs, and a container run on an internal network, as a session's
 * agent runs, with everything it made removed again.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/backend/podman-check.h"
#include "paude/core/strvec.h"
#include "core/banned.h"

void
paude_podman_info_release(struct paude_podman_info *i)
{
	free(i->version);
	free(i->runtime);
	free(i->cgroups);
	free(i->network_backend);
	free(i->graph_driver);
	*i = (struct paude_podman_info)PAUDE_PODMAN_INFO_INIT;
}

static void
podman_child(struct paude_child *c)
{
	paude_child_init(c);
	paude_strvec_push(&c->args, "podman");
}

int
paude_podman_info_read(struct paude_runner *r, struct paude_buf *json, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	paude_strvec_pushl(&c.args, "info", "--format", "json", NULL);
	return paude_run_output(r, &c, json, err);
}

static char *
dup_or_null(const char *s)
{
	return s ? paude_xstrdup(s) : NULL;
}

int
paude_podman_info_parse(struct paude_podman_info *out, const char *json, size_t len,
			struct paude_error **err)
{
	_cleanup_json_ struct json_object *info = NULL;
	int r = paude_json_parse(&info, json, len, "podman info", err);
	if (r < 0)
		return r;
	struct json_object *host = paude_json_get_obj(info, "host");
	out->runtime =
	    dup_or_null(paude_json_get_str(paude_json_get_obj(host, "ociRuntime"), "name"));
	out->cgroups = dup_or_null(paude_json_get_str(host, "cgroupVersion"));
	out->rootless = paude_json_get_bool(paude_json_get_obj(host, "security"), "rootless");
	out->version =
	    dup_or_null(paude_json_get_str(paude_json_get_obj(info, "version"), "Version"));
	out->network_backend = dup_or_null(paude_json_get_str(host, "networkBackend"));
	out->graph_driver =
	    dup_or_null(paude_json_get_str(paude_json_get_obj(info, "store"), "graphDriverName"));
	struct json_object *uidmap =
	    paude_json_get_array(paude_json_get_obj(host, "idMappings"), "uidmap");
	if (out->rootless && uidmap)
		out->uid_ranges = (int)json_object_array_length(uidmap);
	return 0;
}

static bool
image_exists(struct paude_runner *r, const char *image)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	paude_strvec_pushl(&c.args, "image", "exists", image, NULL);
	return paude_run_output(r, &c, NULL, NULL) == 0;
}

char *
paude_podman_check_image(struct paude_runner *r, const char *prefer)
{
	if (prefer && *prefer && !paude_looks_like_option(prefer) && image_exists(r, prefer))
		return dup_or_null(prefer);
	/* Any paude image will do. */
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	paude_strvec_pushl(&c.args, "images", "--noheading", "--format", "{{.Repository}}:{{.Tag}}",
			   "--filter", "reference=localhost/paude-*", NULL);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	if (paude_run_output(r, &c, &out, NULL) < 0 || out.len == 0)
		return NULL;
	out.buf[strcspn(out.buf, "\n")] = '\0';
	return dup_or_null(out.buf);
}

int
paude_podman_check_run(struct paude_runner *r, const char *image,
		       enum paude_podman_check_step *failed, struct paude_error **err)
{
	/* As a session's agent runs: on an internal network without DNS of
	 * its own, which rootless podman makes with slirp4netns or pasta. */
	_cleanup_free_ char *net = paude_xasprintf("paude-doctor-%ld", (long)getpid());
	{
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		podman_child(&c);
		paude_strvec_pushl(&c.args, "network", "create", "--internal", "--disable-dns",
				   "--label", "paude.io/doctor=1", net, NULL);
		int ret = paude_run_output(r, &c, NULL, err);
		if (ret < 0) {
			*failed = PAUDE_PODMAN_CHECK_NETWORK;
			return ret;
		}
	}
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	paude_strvec_pushl(&c.args, "run", "--rm", "--pull=never", "--init", "--cap-drop=ALL",
			   "--security-opt=no-new-privileges", "--network", net, "--entrypoint",
			   "true", image, NULL);
	int ret = paude_run_output(r, &c, NULL, err);
	_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
	podman_child(&rm);
	paude_strvec_pushl(&rm.args, "network", "rm", "--force", net, NULL);
	(void)paude_run_output(r, &rm, NULL, NULL);
	if (ret < 0)
		*failed = PAUDE_PODMAN_CHECK_RUN;
	return ret;
}
