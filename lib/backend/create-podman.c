/* SPDX-License-Identifier: MIT */
/*
 * The create plan on Podman: the images built here (the project's own, or
 * the agent image; and the proxy image every session's sidecar runs), and
 * the dry run's plan in words with the commands create would run, made by
 * the same argv builders the backend runs.
 */
#include <stdio.h>
#include <string.h>
#include "paude/core/alloc.h"
#include "paude/backend/create-podman.h"
#include "paude/image/image.h"
#include "paude/image/image-custom.h"
#include "paude/session/limits.h"
#include "paude/backend/podman.h"

static struct paude_image_opts
image_opts(const struct paude_create_plan *p)
{
	struct paude_image_opts o = p->env->image_opts;
	o.rebuild = p->rebuild;
	o.verbose = p->verbose;
	o.notify = p->notify;
	o.progress = p->progress;
	return o;
}

static int
custom_image(struct paude_backend *b, struct paude_create_plan *p, const struct paude_image_opts *o,
	     struct paude_error **err)
{
	_cleanup_(paude_image_custom_release) struct paude_custom_plan plan =
	    PAUDE_CUSTOM_PLAN_INIT;
	int r = paude_create_plan_custom(p, o, &plan, err);
	if (r < 0)
		return r;
	if (p->dry_run) {
		_cleanup_buf_ struct paude_buf d = PAUDE_BUF_INIT;
		paude_image_custom_describe(&plan, &d);
		p->recipe = paude_buf_detach(&d);
		p->image_ref = paude_xstrdup(plan.ref);
		return 0;
	}
	return paude_image_custom_build(b->runner, &plan, o, &p->image_ref, err);
}

int
paude_podman_prepare_images(struct paude_backend *b, struct paude_create_plan *p,
			    struct paude_error **err)
{
	const struct paude_image_opts o = image_opts(p);
	const struct paude_image_target proxy = { .dir = "proxy", .repo = PAUDE_IMAGE_PROXY_REPO };
	const char *img = p->env->image, *pimg = p->env->proxy_image;
	int r;
	if ((r = paude_create_plan_load_config(p, err)) < 0)
		return r;
	if (img && *img) {
		if (paude_looks_like_option(img))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid PAUDE_IMAGE '%s'",
					       img);
		p->image_ref = paude_xstrdup(img);
	} else if (p->config.kind != PAUDE_CONFIG_NONE) {
		if ((r = custom_image(b, p, &o, err)) < 0)
			return r;
	} else if (p->dry_run) {
		if ((r = paude_image_recipe(&o, &p->recipe, err)) < 0 ||
		    (r = paude_image_agent_tag(&o, &p->image_ref, err)) < 0)
			return r;
	} else if ((r = paude_image_ensure(b->runner, &o, &p->image_ref, err)) < 0) {
		return r;
	}
	/* Every session has the sidecar: it holds the model credentials. */
	if (pimg && *pimg) {
		if (paude_looks_like_option(pimg))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid PAUDE_PROXY_IMAGE '%s'", pimg);
		p->proxy_image_ref = paude_xstrdup(pimg);
		return 0;
	}
	if (p->dry_run)
		return paude_image_tag(&proxy, &o, &p->proxy_image_ref, NULL, err);
	return paude_image_build_dir(b->runner, &proxy, &o, &p->proxy_image_ref, err);
}

static void
quoted(struct paude_buf *out, const struct paude_strvec *argv)
{
	_cleanup_buf_ struct paude_buf q = PAUDE_BUF_INIT;
	paude_quote_argv(&q, (const char *const *)argv->v);
	paude_buf_addf(out, NULL, "  %s\n", q.buf);
}

int
paude_podman_render_plan(struct paude_backend *b, const struct paude_create_plan *p,
			 struct paude_create_render *out, struct paude_error **err)
{
	(void)b;
	(void)err;
	const struct paude_session_spec *spec = p->spec;
	const struct paude_session *m = &spec->meta;
	struct paude_buf *o = &out->out;
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_buf_ struct paude_buf q = PAUDE_BUF_INIT;
	paude_session_agent_argv(m, &agent);
	paude_quote_argv(&q, (const char *const *)agent.v);
	paude_buf_addf(o, NULL, "Session:    %s (not created: dry run)\n", m->name);
	paude_buf_addf(o, NULL, "Backend:    podman\n");
	paude_buf_addf(o, NULL, "Workspace:  %s (%s)\n", m->workspace,
		       m->workspace_mode == PAUDE_WORKSPACE_MOUNT
			   ? "mounted read-write"
			   : "copied into the session volume with git; never mounted");
	for (size_t i = 0; i < m->venv_shadows.nr; i++)
		paude_buf_addf(o, NULL, "Venv:       %s (hidden behind an empty directory)\n",
			       m->venv_shadows.v[i]);
	if (p->branch)
		paude_buf_addf(o, NULL,
			       "Code:       branch '%s' pushed into the session at create (remote "
			       "paude-%s)\n",
			       p->branch, m->name);
	else if (m->workspace_mode != PAUDE_WORKSPACE_MOUNT)
		paude_buf_addf(o, NULL,
			       "Code:       none (not in a git repository, or --no-push)\n");
	paude_buf_addf(o, NULL, "Agent:      %s\n", q.buf);
	_cleanup_free_ char *net = paude_create_describe_network(m);
	paude_buf_addf(o, NULL, "Network:    %s\n", net);
	_cleanup_free_ char *limits = paude_create_describe_limits(m);
	paude_buf_addf(o, NULL, "Limits:     %s\n", limits);
	paude_buf_addf(o, NULL,
		       "Seccomp:    podman's default profile without new namespaces (derived at "
		       "create into a private file, PROFILE below)\n");
	paude_buf_addf(o, NULL, "Image:      %s%s\n", p->image_ref ? p->image_ref : "(to be built)",
		       p->recipe ? " (built from the recipe below if missing)" : "");
	if (p->proxy_image_ref)
		paude_buf_addf(o, NULL, "Proxy:      %s\n", p->proxy_image_ref);
	for (size_t i = 0; i < spec->n_mounts; i++)
		paude_buf_addf(o, NULL, "Mount:      %s -> %s%s\n", spec->mounts[i].host,
			       spec->mounts[i].target,
			       spec->mounts[i].read_only ? " (read-only)" : "");
	/* Names only: values stay off screens and logs, as they stay off argv. */
	for (size_t i = 0; i < spec->env.nr; i++) {
		size_t k = strcspn(spec->env.v[i], "=");
		paude_buf_addf(o, NULL,
			       "Env:        %.*s (in a private env file, not on the command "
			       "line)\n",
			       (int)k, spec->env.v[i]);
	}
	paude_buf_addf(o, NULL, "\nCommands that would run:\n");
	_cleanup_strvec_ struct paude_strvec vol = PAUDE_STRVEC_INIT;
	paude_podman_volume_create_argv(m, &vol);
	quoted(o, &vol);
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	struct paude_session_spec shown = *spec;
	shown.seccomp_profile = "PROFILE";
	paude_podman_create_argv(&shown, NULL, "/tmp/paude-env-XXXXXX/env", &argv);
	quoted(o, &argv);
	paude_buf_addf(o, NULL,
		       "  (with network options for paude-net-%s: an internal network without "
		       "DNS, and its proxy container paude-proxy-%s%s)\n",
		       m->name, m->name,
		       paude_strvec_find(&m->allowed_domains, "all") < 0
			   ? ""
			   : ", which runs the model gateway only");
	if (p->recipe && p->config.kind != PAUDE_CONFIG_NONE) {
		paude_buf_addf(o, NULL, "\nCustom environment (built if missing):\n");
		paude_buf_addstr(o, p->recipe, NULL);
	} else if (p->recipe) {
		paude_buf_addf(o, NULL, "\nImage recipe (Containerfile):\n");
		paude_buf_addstr(o, p->recipe, NULL);
		if (p->recipe[0] && p->recipe[strlen(p->recipe) - 1] != '\n')
			paude_buf_addstr(o, "\n", NULL);
	}
	return 0;
}
