/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the ssh_config subset (lib/backend/ssh-config.c). The input is a
 * configuration file applied to the host "box.lab" (and then to
 * "ann@box.lab:2200"). Any input either fails with PAUDE_EUSAGE and a
 * message naming the file, or resolves to a usable target: a host name
 * without control characters, a user, a port in 1-65535, and expanded
 * IdentityFile and known_hosts paths (no leading ~ left).
 */
#include <stdint.h>
#include <string.h>
#include "paude/backend/ssh-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const char *addr, const char *text, size_t size)
{
	static const struct paude_ssh_env env = {
		.home = "/nonexistent", .local_user = "me", .local_host = "laptop", .no_include = 1
	};
	struct paude_ssh_target t;
	paude_ssh_target_init(&t);
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_ssh_address_parse(&t, addr, &err) < 0)
		abort();
	int r = paude_ssh_config_apply(&t, text, size, "fuzz.conf", &env, &err);
	if (r == 0)
		r = paude_ssh_target_finish(&t, &env, &err);
	if (r < 0) {
		if (r != PAUDE_EUSAGE || !err || !err->msg[0])
			abort();
		paude_ssh_target_release(&t);
		return;
	}
	if (!t.hostname || !t.hostname[0] || !t.user || !t.user[0] || t.port < 1 || t.port > 65535)
		abort();
	for (const char *p = t.hostname; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	for (size_t i = 0; i < t.identity_files.nr; i++)
		if (t.identity_files.v[i][0] == '~')
			abort();
	for (size_t i = 0; i < t.known_hosts.nr; i++)
		if (t.known_hosts.v[i][0] == '~')
			abort();
	paude_ssh_target_release(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	one("box.lab", (const char *)data, size);
	one("ann@box.lab:2200", (const char *)data, size);
	return 0;
}
