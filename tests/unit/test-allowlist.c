/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/net/allowlist.c: --allowed-domains aliases, validation, merging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/net/allowlist.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
assert_strvec(const struct paude_strvec *sv, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	for (size_t i = 0; i < sv->nr || i < n; i++) {
		const char *got = i < sv->nr ? sv->v[i] : "(missing)";
		const char *exp = i < n ? want[i] : "(extra)";
		if (strcmp(got, exp))
			fail_msg("element %zu: expected '%s', got '%s'", i, exp, got);
	}
	assert_null(sv->v[sv->nr]);
}

/* Parse values, expecting success; the caller releases al. */
static void
parse_ok(struct paude_allowlist *al, const char *const *values)
{
	_cleanup_error_ struct paude_error *e = NULL;
	paude_allowlist_init(al);
	int r = paude_allowlist_parse(al, values, &e);
	if (r != 0)
		fail_msg("parse failed: %s", e ? e->msg : "?");
}

/* Parse values expecting PAUDE_EUSAGE with a message containing `needle`. */
static void
parse_fails(const char *const *values, const char *needle)
{
	_cleanup_error_ struct paude_error *e = NULL;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	paude_strvec_push(&al.requested, "untouched");
	int r = paude_allowlist_parse(&al, values, &e);
	assert_int_equal(r, PAUDE_EUSAGE);
	assert_non_null(e);
	if (!strstr(e->msg, needle))
		fail_msg("error '%s' does not mention '%s'", e->msg, needle);
	/* Output untouched on failure. */
	assert_int_equal(al.requested.nr, 1);
	assert_string_equal(al.requested.v[0], "untouched");
	paude_allowlist_release(&al);
}

static void
test_no_values_means_default(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, NULL);
	assert_false(al.unrestricted);
	assert_strvec(&al.requested, V("vertexai", "pypi"));
	assert_strvec(&al.domains, V("*-aiplatform.googleapis.com", "aiplatform.googleapis.com",
				     "files.pythonhosted.org", "iamcredentials.googleapis.com",
				     "oauth2.googleapis.com", "pypi.org", "sts.googleapis.com"));
	paude_allowlist_release(&al);

	parse_ok(&al, V(NULL));
	assert_strvec(&al.requested, V("vertexai", "pypi"));
	paude_allowlist_release(&al);
}

static void
test_default_is_vertexai_plus_pypi(void **state)
{
	(void)state;
	struct paude_allowlist a, b;
	parse_ok(&a, V("default"));
	parse_ok(&b, V("pypi", "vertexai"));
	assert_strvec(&a.domains, (const char *const *)b.domains.v);
	assert_strvec(&a.requested, (const char *const *)b.requested.v);
	paude_allowlist_release(&a);
	paude_allowlist_release(&b);
}

static void
test_single_alias_replaces_default(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("vertexai"));
	assert_strvec(&al.requested, V("vertexai"));
	assert_strvec(&al.domains, V("*-aiplatform.googleapis.com", "aiplatform.googleapis.com",
				     "iamcredentials.googleapis.com", "oauth2.googleapis.com",
				     "sts.googleapis.com"));
	paude_allowlist_release(&al);

	parse_ok(&al, V("pypi"));
	assert_strvec(&al.domains, V("files.pythonhosted.org", "pypi.org"));
	paude_allowlist_release(&al);
}

/* SECURITY.md: the anthropic alias allows exactly the API and the login
 * hosts of Claude Code, no subdomain wildcard, and is no part of default. */
static void
test_anthropic_alias_is_the_api_and_login_hosts_only(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("anthropic"));
	assert_strvec(&al.requested, V("anthropic"));
	assert_strvec(&al.domains, V("api.anthropic.com", "claude.ai", "console.anthropic.com",
				     "platform.claude.com"));
	paude_allowlist_release(&al);
	parse_ok(&al, V("default"));
	assert_int_equal(paude_strvec_find(&al.domains, "api.anthropic.com"), -1);
	paude_allowlist_release(&al);
	parse_ok(&al, V("default", "anthropic"));
	assert_strvec(&al.requested, V("vertexai", "pypi", "anthropic"));
	paude_allowlist_release(&al);
}

static void
test_aliases_are_narrow(void **state)
{
	(void)state;
	struct paude_allowlist al;
	/* Neither alias opens a whole provider: no Google search or DNS-over-
	 * HTTPS (.google.com), no Cloud Storage (.googleapis.com), no PyPI
	 * uploads (upload.pypi.org). */
	parse_ok(&al, V("default"));
	for (size_t i = 0; i < al.domains.nr; i++) {
		const char *d = al.domains.v[i];
		if (d[0] == '.' || strstr(d, "google.com") || strstr(d, "storage") ||
		    strstr(d, "upload") || !strcmp(d, "www.googleapis.com"))
			fail_msg("alias entry '%s' is wider than the job", d);
	}
	paude_allowlist_release(&al);

	/* The wide forms stay available as explicit values, and swallow the
	 * narrow entries they cover. */
	parse_ok(&al, V("vertexai", ".googleapis.com", ".google.com"));
	assert_strvec(&al.domains, V(".google.com", ".googleapis.com"));
	paude_allowlist_release(&al);
	parse_ok(&al, V("pypi", ".pypi.org", ".pythonhosted.org"));
	assert_strvec(&al.domains, V(".pypi.org", ".pythonhosted.org"));
	paude_allowlist_release(&al);

	/* The regional pattern is the aliases' own: a user value with '*' is
	 * refused, and a pattern entry validates as one. */
	parse_fails(V("*-aiplatform.googleapis.com"), "wildcards are not supported");
	assert_int_equal(paude_allowlist_check_entry("*-aiplatform.googleapis.com", NULL), 0);
	assert_int_equal(paude_allowlist_check_entry("*-x", NULL), PAUDE_EUSAGE);
	assert_int_equal(paude_allowlist_check_entry("*-a.b\nc.d", NULL), PAUDE_EUSAGE);
	assert_int_equal(paude_allowlist_check_entry("**-a.com", NULL), PAUDE_EUSAGE);
}

static void
test_custom_domain_replaces_default(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V(".example.com"));
	assert_strvec(&al.requested, V(".example.com"));
	assert_strvec(&al.domains, V(".example.com"));
	paude_allowlist_release(&al);
}

static void
test_default_plus_custom_keeps_default(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("default", ".example.com", "api.other.org"));
	assert_strvec(&al.requested, V("vertexai", "pypi", ".example.com", "api.other.org"));
	assert_strvec(&al.domains,
		      V("*-aiplatform.googleapis.com", ".example.com", "aiplatform.googleapis.com",
			"api.other.org", "files.pythonhosted.org", "iamcredentials.googleapis.com",
			"oauth2.googleapis.com", "pypi.org", "sts.googleapis.com"));
	paude_allowlist_release(&al);
}

static void
test_all_is_unrestricted(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("all"));
	assert_true(al.unrestricted);
	assert_int_equal(al.domains.nr, 0);
	assert_strvec(&al.requested, V("all"));
	paude_allowlist_release(&al);
	parse_ok(&al, V("ALL"));
	assert_true(al.unrestricted);
	paude_allowlist_release(&al);
}

static void
test_all_cannot_be_combined(void **state)
{
	(void)state;
	parse_fails(V("all", "pypi"), "'all' cannot be combined");
	parse_fails(V("default", "all"), "'all' cannot be combined");
	parse_fails(V("all,.x.com"), "'all' cannot be combined");
	parse_fails(V("all", "all"), "'all' cannot be combined");
}

static void
test_commas_split_and_spaces_are_trimmed(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("pypi, .Example.COM", "b.org"));
	assert_strvec(&al.requested, V("pypi", ".example.com", "b.org"));
	paude_allowlist_release(&al);
	parse_fails(V("pypi,,b.org"), "empty value");
	parse_fails(V(""), "empty value");
	parse_fails(V("pypi,"), "empty value");
}

static void
test_duplicates_are_dropped(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("x.org", "pypi", "X.org", "pypi", "default"));
	assert_strvec(&al.requested, V("vertexai", "pypi", "x.org"));
	assert_int_equal(paude_strvec_find(&al.domains, "x.org") >= 0, 1);
	paude_allowlist_release(&al);
}

static void
test_overlapping_entries_are_merged(void **state)
{
	(void)state;
	struct paude_allowlist al;
	/* x.com and .a.x.com and b.a.x.com are all inside .x.com. */
	parse_ok(&al, V("x.com", ".a.x.com", ".x.com", "b.a.x.com", "ax.com", "x.com.au"));
	assert_strvec(&al.domains, V(".x.com", "ax.com", "x.com.au"));
	/* The request keeps what the user said. */
	assert_strvec(&al.requested,
		      V("x.com", ".a.x.com", ".x.com", "b.a.x.com", "ax.com", "x.com.au"));
	paude_allowlist_release(&al);

	/* A custom entry under an alias's domain disappears into it. */
	parse_ok(&al, V("pypi", "www.pypi.org", ".pythonhosted.org"));
	assert_strvec(&al.domains, V(".pythonhosted.org", "pypi.org", "www.pypi.org"));
	paude_allowlist_release(&al);
	parse_ok(&al, V("vertexai", "oauth2.googleapis.com", ".googleapis.com"));
	assert_strvec(&al.domains, V(".googleapis.com"));
	paude_allowlist_release(&al);

	/* Without a wildcard nothing is merged. */
	parse_ok(&al, V("a.x.com", "x.com"));
	assert_strvec(&al.domains, V("a.x.com", "x.com"));
	paude_allowlist_release(&al);
}

static void
test_parse_of_requested_round_trips(void **state)
{
	(void)state;
	struct paude_allowlist a, b;
	parse_ok(&a, V("default", ".x.com", "y.org"));
	parse_ok(&b, (const char *const *)a.requested.v);
	assert_strvec(&b.requested, (const char *const *)a.requested.v);
	assert_strvec(&b.domains, (const char *const *)a.domains.v);
	paude_allowlist_release(&a);
	paude_allowlist_release(&b);
}

static void
test_invalid_domains_are_rejected_with_a_reason(void **state)
{
	(void)state;
	parse_fails(V("https://example.com"), "a URL is not a domain");
	parse_fails(V("*.example.com"), "wildcards are not supported");
	parse_fails(V("example.com/path"), "a path is not allowed");
	parse_fails(V("example.com:8443"), "ports");
	parse_fails(V("user@example.com"), "user names");
	parse_fails(V("::1"), "IPv6");
	parse_fails(V("10.0.0.1"), "IP addresses are not supported");
	parse_fails(V(".10.0.0.1"), "IP addresses are not supported");
	parse_fails(V("localhost"), "a single label");
	parse_fails(V(".com"), "a single label");
	parse_fails(V("."), "empty label");
	parse_fails(V(".."), "empty label");
	parse_fails(V("a..b.com"), "empty label");
	parse_fails(V("example.com."), "trailing dot");
	parse_fails(V("-a.com"), "start or end with '-'");
	parse_fails(V("a-.com"), "start or end with '-'");
	parse_fails(V("a_b.com"), "only letters, digits");
	parse_fails(V("exa mple.com"), "only letters, digits");
	parse_fails(V("a.com\nhttp_access allow all"), "only letters, digits");
	parse_fails(V("caf\xc3\xa9.com"), "only letters, digits");
	parse_fails(V("a.com;b.com"), "only letters, digits");
}

static void
test_error_shows_the_value_safely(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *e = NULL;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	assert_int_equal(paude_allowlist_parse(&al, V("a'b\x01.com"), &e), PAUDE_EUSAGE);
	assert_string_equal(e->msg, "invalid allowed domain 'a\\x27b\\x01.com': only letters, "
				    "digits, '-' and '.' are allowed in a domain name");
	paude_allowlist_release(&al);
}

static void
test_length_limits(void **state)
{
	(void)state;
	char label[70];
	memset(label, 'a', 64);
	strcpy(label + 64, ".com"); /* NOLINT: fixed sizes */
	parse_fails(V(label), "longer than 63");

	/* 253 characters is the most a name may have. */
	char name[300];
	size_t n = 0;
	while (n + 4 <= 249) {
		memcpy(name + n, "abc.", 4);
		n += 4;
	}
	memcpy(name + n, "com", 4);
	n += 3;
	assert_int_equal(n, 251);
	struct paude_allowlist al;
	parse_ok(&al, V(name));
	paude_allowlist_release(&al);
	memmove(name + 3, name, n + 1);
	memcpy(name, "ab.", 3);
	assert_int_equal(strlen(name), 254);
	parse_fails(V(name), "longer than 253");

	/* Too many values. */
	struct paude_strvec many = PAUDE_STRVEC_INIT;
	for (int i = 0; i <= PAUDE_ALLOWLIST_MAX; i++)
		paude_strvec_pushf(&many, "h%d.example.com", i);
	parse_fails((const char *const *)many.v, "too many allowed domains");
	paude_strvec_pop(&many);
	parse_ok(&al, (const char *const *)many.v);
	assert_int_equal(al.domains.nr, PAUDE_ALLOWLIST_MAX);
	paude_allowlist_release(&al);
	paude_strvec_clear(&many);
}

static void
test_check_domain_accepts_plain_and_dotted_names(void **state)
{
	(void)state;
	assert_int_equal(paude_allowlist_check_domain("example.com", NULL), 0);
	assert_int_equal(paude_allowlist_check_domain(".example.com", NULL), 0);
	assert_int_equal(paude_allowlist_check_domain("a-1.b2.example.co", NULL), 0);
	assert_int_equal(paude_allowlist_check_domain("allowed.test", NULL), 0);
	assert_int_equal(paude_allowlist_check_domain("1password.com", NULL), 0);
	assert_int_equal(paude_allowlist_check_domain("", NULL), PAUDE_EUSAGE);
	assert_int_equal(paude_allowlist_check_domain(NULL, NULL), PAUDE_EUSAGE);
}

static void
assert_describe(const char *const *values, const char *want)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_allowlist_describe(&b, values);
	assert_string_equal(b.buf, want);
}

static void
test_describe_in_words(void **state)
{
	(void)state;
	assert_describe(NULL, "vertexai, pypi");
	assert_describe(V("default"), "vertexai, pypi");
	assert_describe(V("all"), "unrestricted");
	assert_describe(V("vertexai"), "vertexai");
	assert_describe(V("pypi", ".example.com"), "pypi, .example.com");
	assert_describe(V("default", ".Example.com"), "vertexai, pypi, .example.com");
	/* A label from elsewhere that does not parse still gets words. */
	assert_describe(V("bad value", "x"), "custom (2 entries)");
	assert_describe(V("*.x.com"), "custom (1 entry)");
}

/* Change current by allow/deny, expecting success; notes joined by '|'. */
static void
change_ok(const char *const *current, const char *const *allow, const char *const *deny,
	  const char *const *want, bool want_changed, const char *want_notes)
{
	_cleanup_error_ struct paude_error *e = NULL;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_strvec_ struct paude_strvec notes = PAUDE_STRVEC_INIT;
	bool changed = !want_changed;
	int r = paude_allowlist_change(&al, &changed, current, allow, deny, &notes, &e);
	if (r != 0)
		fail_msg("change failed: %s", e ? e->msg : "?");
	assert_strvec(&al.requested, want);
	assert_int_equal(changed, want_changed);
	struct paude_buf nb = PAUDE_BUF_INIT;
	for (size_t i = 0; i < notes.nr; i++)
		paude_buf_addf(&nb, NULL, "%s%s", i ? "|" : "", notes.v[i]);
	assert_string_equal(nb.buf, want_notes);
	paude_buf_release(&nb);
	paude_allowlist_release(&al);
}

static void
change_fails(const char *const *current, const char *const *allow, const char *const *deny,
	     const char *needle)
{
	_cleanup_error_ struct paude_error *e = NULL;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	paude_strvec_push(&al.requested, "untouched");
	bool changed = true;
	assert_int_equal(paude_allowlist_change(&al, &changed, current, allow, deny, NULL, &e),
			 PAUDE_EUSAGE);
	assert_non_null(e);
	if (!strstr(e->msg, needle))
		fail_msg("expected '%s' in: %s", needle, e->msg);
	/* Nothing handed out on failure. */
	assert_true(changed);
	assert_string_equal(al.requested.v[0], "untouched");
	paude_allowlist_release(&al);
}

static void
test_change_allow_adds_domains_and_aliases(void **state)
{
	(void)state;
	change_ok(V("vertexai", "pypi"), V("example.com"), NULL,
		  V("vertexai", "pypi", "example.com"), true, "");
	/* Comma lists, case, and an alias as create takes them. */
	change_ok(V("vertexai"), V("PyPI,.Example.com"), NULL,
		  V("vertexai", "pypi", ".example.com"), true, "");
	change_ok(V("example.com"), V("default"), NULL, V("vertexai", "pypi", "example.com"), true,
		  "");
	/* A wider entry replaces the narrower ones it covers. */
	change_ok(V("a.example.com", "pypi"), V(".example.com"), NULL,
		  V("pypi", "a.example.com", ".example.com"), true, "");
}

static void
test_change_allow_of_what_is_allowed_changes_nothing(void **state)
{
	(void)state;
	change_ok(V("vertexai", "pypi"), V("pypi"), NULL, V("vertexai", "pypi"), false,
		  "'pypi' is already allowed");
	change_ok(V("pypi"), V("files.pythonhosted.org"), NULL, V("pypi"), false,
		  "'files.pythonhosted.org' is already allowed (through 'pypi')");
	change_ok(V(".example.com"), V("a.b.example.com,.c.example.com"), NULL, V(".example.com"),
		  false,
		  "'a.b.example.com' is already allowed (through '.example.com')|"
		  "'.c.example.com' is already allowed (through '.example.com')");
	change_ok(V("vertexai"), V("us-east5-aiplatform.googleapis.com"), NULL, V("vertexai"),
		  false,
		  "'us-east5-aiplatform.googleapis.com' is already allowed (through "
		  "'vertexai')");
}

static void
test_change_deny_removes_words_and_what_a_wildcard_covers(void **state)
{
	(void)state;
	change_ok(V("vertexai", "pypi"), NULL, V("pypi"), V("vertexai"), true, "");
	change_ok(V("vertexai", "pypi", "example.com"), NULL, V("Example.com"),
		  V("vertexai", "pypi"), true, "");
	change_ok(V("pypi", "x.example.com", ".y.example.com", "example.org"), NULL,
		  V(".example.com"), V("pypi", "example.org"), true, "");
	change_ok(V("vertexai", "pypi", "example.com"), NULL, V("default"), V("example.com"), true,
		  "");
	/* Allow and deny in one change. */
	change_ok(V("vertexai", "pypi"), V("example.com"), V("pypi"), V("vertexai", "example.com"),
		  true, "");
	change_ok(V("pypi"), NULL, V("example.com"), V("pypi"), false,
		  "'example.com' is not allowed: nothing to deny");
}

static void
test_change_deny_of_a_name_an_alias_or_wider_entry_allows_is_refused(void **state)
{
	(void)state;
	change_fails(V("pypi", "example.com"), NULL, V("pypi.org"),
		     "cannot deny 'pypi.org': the alias 'pypi' allows it (deny 'pypi' instead");
	change_fails(V(".example.com", "pypi"), NULL, V("a.example.com"),
		     "cannot deny 'a.example.com': the entry '.example.com' allows it");
	change_fails(V(".example.com", "pypi"), NULL, V(".a.example.com"),
		     "the entry '.example.com' allows it");
	change_fails(V("vertexai", "pypi"), NULL, V(".googleapis.com"),
		     "cannot deny '.googleapis.com': the alias 'vertexai' allows it");
	/* Nor through what the same change allows. */
	change_fails(V("pypi"), V(".example.com"), V("www.example.com"),
		     "cannot deny 'www.example.com': the entry '.example.com' allows it");
}

static void
test_change_refuses_nonsense(void **state)
{
	(void)state;
	change_fails(V("all"), V("example.com"), NULL, "the network is unrestricted ('all')");
	change_fails(V("pypi"), V("all"), NULL,
		     "--allow all: the network of a session cannot be "
		     "switched between filtered and unrestricted");
	change_fails(V("pypi"), NULL, V("all"), "--deny all");
	change_fails(V("pypi"), V("example.com"), V("example.com"),
		     "'example.com' is both allowed and denied");
	change_fails(V("pypi"), NULL, V("pypi"), "the session would allow no domain at all");
	change_fails(V("pypi"), NULL, NULL, "nothing to change");
	change_fails(V("pypi"), V("https://example.com/x"), NULL, "a URL is not a domain");
	change_fails(V("pypi"), V("*.example.com"), NULL, "wildcards are not supported");
	change_fails(V("pypi"), NULL, V("10.0.0.1"), "IP addresses are not supported");
	change_fails(V("pypi"), V("localhost"), NULL, "a single label is not allowed");
	change_fails(V("pypi"), V("a,,b.com"), NULL, "empty value");
}

static void
test_allowed_by_names_the_word(void **state)
{
	(void)state;
	struct paude_allowlist al;
	parse_ok(&al, V("default", ".example.com", "x.org"));
	assert_string_equal(paude_allowlist_allowed_by(&al, "pypi.org"), "pypi");
	assert_string_equal(
	    paude_allowlist_allowed_by(&al, "europe-west1-aiplatform.googleapis.com"), "vertexai");
	assert_null(paude_allowlist_allowed_by(&al, "a.b-aiplatform.googleapis.com"));
	assert_string_equal(paude_allowlist_allowed_by(&al, "example.com"), ".example.com");
	assert_string_equal(paude_allowlist_allowed_by(&al, "a.b.example.com"), ".example.com");
	assert_string_equal(paude_allowlist_allowed_by(&al, "x.org"), "x.org");
	assert_null(paude_allowlist_allowed_by(&al, "a.x.org"));
	assert_null(paude_allowlist_allowed_by(&al, "notexample.com"));
	assert_null(paude_allowlist_allowed_by(&al, "upload.pypi.org"));
	paude_allowlist_release(&al);
	parse_ok(&al, V("all"));
	assert_string_equal(paude_allowlist_allowed_by(&al, "anything.example"), "all");
	paude_allowlist_release(&al);
}

/* An allowlist declared with PAUDE_ALLOWLIST_INIT is empty and usable. */
static void
test_init_macro_gives_an_empty_usable_allowlist(void **state)
{
	(void)state;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	assert_false(al.unrestricted);
	assert_int_equal(al.requested.nr, 0);
	assert_null(al.domains.v[0]);
	const char *const v[] = { "example.com", NULL };
	assert_int_equal(paude_allowlist_parse(&al, v, NULL), 0);
	assert_string_equal(al.domains.v[0], "example.com");
	paude_allowlist_release(&al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_macro_gives_an_empty_usable_allowlist),
		cmocka_unit_test(test_no_values_means_default),
		cmocka_unit_test(test_default_is_vertexai_plus_pypi),
		cmocka_unit_test(test_single_alias_replaces_default),
		cmocka_unit_test(test_aliases_are_narrow),
		cmocka_unit_test(test_anthropic_alias_is_the_api_and_login_hosts_only),
		cmocka_unit_test(test_custom_domain_replaces_default),
		cmocka_unit_test(test_default_plus_custom_keeps_default),
		cmocka_unit_test(test_all_is_unrestricted),
		cmocka_unit_test(test_all_cannot_be_combined),
		cmocka_unit_test(test_commas_split_and_spaces_are_trimmed),
		cmocka_unit_test(test_duplicates_are_dropped),
		cmocka_unit_test(test_overlapping_entries_are_merged),
		cmocka_unit_test(test_parse_of_requested_round_trips),
		cmocka_unit_test(test_invalid_domains_are_rejected_with_a_reason),
		cmocka_unit_test(test_error_shows_the_value_safely),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_check_domain_accepts_plain_and_dotted_names),
		cmocka_unit_test(test_describe_in_words),
		cmocka_unit_test(test_change_allow_adds_domains_and_aliases),
		cmocka_unit_test(test_change_allow_of_what_is_allowed_changes_nothing),
		cmocka_unit_test(test_change_deny_removes_words_and_what_a_wildcard_covers),
		cmocka_unit_test(
		    test_change_deny_of_a_name_an_alias_or_wider_entry_allows_is_refused),
		cmocka_unit_test(test_change_refuses_nonsense),
		cmocka_unit_test(test_allowed_by_names_the_word),
	};
	return cmocka_run_group_tests_name("allowlist", tests, NULL, NULL);
}
