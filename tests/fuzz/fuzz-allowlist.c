/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: --allowed-domains values (one per input line) through
 * parsing, merging and squid configuration. Checks the invariants the
 * proxy relies on: a sorted list with no duplicates and no entry covered by
 * another, every entry valid again, a config with one directive per line,
 * and parse(requested) giving the same list back.
 */
#include <stdint.h>
#include <string.h>
#include "paude/net.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	struct paude_strvec values = PAUDE_STRVEC_INIT;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *v = strndup(p, n);
		if (!v)
			abort();
		paude_strvec_push_nodup(&values, v);
		p += n + 1;
	}

	struct paude_allowlist al, again;
	struct paude_error *e = NULL;
	paude_allowlist_init(&al);
	paude_allowlist_init(&again);
	if (paude_allowlist_parse(&al, (const char *const *)values.v, &e) == 0) {
		check(!e);
		for (size_t i = 0; i < al.domains.nr; i++) {
			check(paude_allowlist_check_domain(al.domains.v[i], NULL) == 0);
			if (i)
				check(strcmp(al.domains.v[i - 1], al.domains.v[i]) < 0);
		}
		check(paude_allowlist_parse(&again, (const char *const *)al.requested.v, NULL) ==
		      0);
		check(again.unrestricted == al.unrestricted);
		check(again.domains.nr == al.domains.nr);
		for (size_t i = 0; i < al.domains.nr; i++)
			check(!strcmp(again.domains.v[i], al.domains.v[i]));

		struct paude_buf conf = PAUDE_BUF_INIT;
		int r = paude_squid_config(&conf, &al, NULL, NULL);
		check(al.unrestricted ? r == PAUDE_EUSAGE : r == 0);
		/* Exactly one allow rule; no domain smuggled a directive in. */
		const char *a = strstr(conf.buf, "http_access allow");
		check(!a || !strstr(a + 1, "http_access allow"));
		paude_buf_release(&conf);
	} else {
		check(e && e->code == PAUDE_EUSAGE && e->msg);
	}
	struct paude_buf words = PAUDE_BUF_INIT;
	paude_allowlist_describe(&words, (const char *const *)values.v);
	check(words.len > 0);
	paude_buf_release(&words);
	paude_error_free(e);
	paude_allowlist_release(&al);
	paude_allowlist_release(&again);
	paude_strvec_clear(&values);
	return 0;
}
