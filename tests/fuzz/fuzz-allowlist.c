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
#include "paude/net/allowlist.h"
#include "paude/net/squid.h"

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
			check(paude_allowlist_check_entry(al.domains.v[i], NULL) == 0);
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
		/* Only the allowlist's own allow rules; no domain smuggled a
		 * directive in. */
		for (const char *a = conf.buf; (a = strstr(a, "http_access allow")); a++)
			check(!strncmp(a, "http_access allow paude_allowed\n", 31) ||
			      !strncmp(a, "http_access allow paude_allowed_regional\n", 40));
		paude_buf_release(&conf);
	} else {
		check(e && e->code == PAUDE_EUSAGE && e->msg);
	}
	/* The first line as PAUDE_PROXY_ALLOW_PRIVATE_DST: what parses is
	 * canonical (parses again to itself) and squid takes it. */
	struct paude_strvec priv = PAUDE_STRVEC_INIT;
	struct paude_error *pe = NULL;
	if (values.nr && paude_private_dst_parse(&priv, values.v[0], &pe) == 0) {
		check(priv.nr <= PAUDE_PRIVATE_DST_MAX);
		for (size_t i = 0; i < priv.nr; i++) {
			struct paude_strvec one = PAUDE_STRVEC_INIT;
			check(paude_private_dst_parse(&one, priv.v[i], NULL) == 0);
			check(one.nr == 1 && !strcmp(one.v[0], priv.v[i]));
			paude_strvec_clear(&one);
		}
		struct paude_allowlist pal;
		paude_allowlist_init(&pal);
		paude_strvec_push(&pal.domains, "x.org");
		const struct paude_squid_opts o = { .allow_private_dst =
							(const char *const *)priv.v };
		struct paude_buf conf = PAUDE_BUF_INIT;
		check(paude_squid_config(&conf, &pal, &o, NULL) == 0);
		paude_buf_release(&conf);
		paude_allowlist_release(&pal);
	} else if (values.nr) {
		check(pe && pe->code == PAUDE_EUSAGE && pe->msg);
	}
	paude_error_free(pe);
	paude_strvec_clear(&priv);
	/* The lines as a change (`paude network --allow/--deny`) of a filtered
	 * policy: a line starting with '-' is denied, the others allowed. What
	 * comes out is a filtered, non-empty policy that parses to itself, and
	 * every allowed value is let through by it. */
	struct paude_strvec allow = PAUDE_STRVEC_INIT, deny = PAUDE_STRVEC_INIT;
	for (size_t i = 0; i < values.nr; i++) {
		if (values.v[i][0] == '-')
			paude_strvec_push(&deny, values.v[i] + 1);
		else
			paude_strvec_push(&allow, values.v[i]);
	}
	static const char *const current[] = { "vertexai", "pypi", ".example.com", NULL };
	struct paude_allowlist ch;
	paude_allowlist_init(&ch);
	bool changed = false;
	struct paude_error *ce = NULL;
	if (paude_allowlist_change(&ch, &changed, current, (const char *const *)allow.v,
				   (const char *const *)deny.v, NULL, &ce) == 0) {
		check(!ch.unrestricted && ch.domains.nr > 0 && ch.requested.nr > 0);
		struct paude_allowlist back;
		paude_allowlist_init(&back);
		check(paude_allowlist_parse(&back, (const char *const *)ch.requested.v, NULL) == 0);
		check(back.requested.nr == ch.requested.nr);
		paude_allowlist_release(&back);
		for (size_t i = 0; i < ch.requested.nr; i++) {
			const char *w = ch.requested.v[i];
			const char *host = w[0] == '.' ? w + 1 : w;
			if (strchr(host, '.'))
				check(paude_allowlist_allowed_by(&ch, host) != NULL);
		}
	} else {
		check(ce && ce->code == PAUDE_EUSAGE && ce->msg);
	}
	paude_error_free(ce);
	paude_allowlist_release(&ch);
	paude_strvec_clear(&allow);
	paude_strvec_clear(&deny);

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
