/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli-harness.h"
#include "../../cmd/paude/cmd-remote.h"

void
cli_harness_env(const char *home)
{
	setenv("HOME", home, 1);
	unsetenv("XDG_STATE_HOME"); /* the index goes under this HOME too */
	setenv("PAUDE_IMAGE", "localhost/paude-agent:test", 1);
	setenv("PAUDE_PROXY_IMAGE", "localhost/paude-proxy:test", 1);
	unsetenv("PAUDE_PROXY_NETWORK");
	setenv("PAUDE_CA_BUNDLE", "", 1);
	unsetenv("CLAUDE_CODE_USE_VERTEX");
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
	unsetenv("PAUDE_GATEWAY_TOKEN_URL");
	unsetenv("PAUDE_GATEWAY_VERTEX_URL");
	unsetenv("PAUDE_GATEWAY_ANTHROPIC_URL");
}

/* The commands the tests drive (main.c's table holds them all, with help). */
static const struct paude_cmd_spec commands[] = {
	{ "connect", cmd_connect, NULL }, { "create", cmd_create, NULL },
	{ "delete", cmd_delete, NULL },   { "list", cmd_list, NULL },
	{ "network", cmd_network, NULL }, { "remote", cmd_remote, NULL },
	{ "start", cmd_start, NULL },     { "stop", cmd_stop, NULL },
};

int
cli_harness_run(struct fake_runner *f, struct paude_error **err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	char *s;
	while ((s = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	struct paude_cmd_ctx ctx = { .runner = &f->runner };
	for (size_t i = 0; argc > 0 && i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		int r = commands[i].fn(argc, argv, &ctx, err);
		paude_location_release(&ctx.where);
		return r;
	}
	abort(); /* a test asked for a command the harness does not know */
}
