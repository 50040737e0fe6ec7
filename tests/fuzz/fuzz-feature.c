/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what paude reads from a feature's registry: the layer's
 * tar (paude_feature_untar), the devcontainer-feature.json inside it
 * (paude_feature_load_metadata) and the WWW-Authenticate challenge. No
 * path taken from the tar may be absolute or climb out with "..".
 */
#include <stdint.h>
#include <string.h>
#include "paude/image/features.h"
#include "paude/image/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
release(struct paude_feature *f)
{
	struct paude_feature_set s = { .v = malloc(sizeof(*f)), .nr = 1 };
	if (!s.v)
		abort();
	s.v[0] = *f;
	paude_feature_set_release(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The challenge parser on the input as a string. */
	char *text = strndup((const char *)data, size);
	if (!text)
		abort();
	char *realm = NULL, *service = NULL, *scope = NULL;
	if (paude_oci_parse_challenge(text, &realm, &service, &scope) == 0 && !realm)
		abort();
	free(realm);
	free(service);
	free(scope);
	free(text);

	struct paude_feature f = { 0 };
	f.ref = strdup("r.io/f/x:1");
	paude_strvec_init(&f.options);
	paude_strvec_init(&f.container_env);
	paude_strvec_init(&f.installs_after);
	paude_strvec_init(&f.depends_on);
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_feature_untar(&f, data, size, &err) == 0) {
		for (size_t i = 0; i < f.n_files; i++) {
			const char *p = f.files[i].path;
			if (p[0] == '/' || !strcmp(p, "..") || !strncmp(p, "../", 3) ||
			    strstr(p, "/../") ||
			    (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
				abort();
		}
		(void)paude_feature_load_metadata(&f, NULL, NULL);
	}
	release(&f);
	return 0;
}
