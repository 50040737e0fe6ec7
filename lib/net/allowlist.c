/* SPDX-License-Identifier: MIT */
/*
 * --allowed-domains: aliases, validation, expansion and merging into the
 * list of squid dstdomain entries. See include/paude/net/allowlist.h for the rules.
 */
#include <string.h>
#include <ctype.h>
#include "paude/net/allowlist.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

struct alias {
	const char *name;
	const char *const *domains;
	bool in_default; /* part of what "default" means */
};

/*
 * Each alias lists the hosts its job needs, nothing wider (docs/SECURITY.md
 * gives the reason for each; the wide forms, .googleapis.com and
 * .google.com, stay available as explicit values).
 *
 * vertexai: Claude Code on Vertex AI calls REGION-aiplatform.googleapis.com
 * (CLOUD_ML_REGION, or a per-model region) or aiplatform.googleapis.com
 * (region "global"), and gcloud ADC gets its access tokens from
 * oauth2.googleapis.com (user and service-account credentials),
 * sts.googleapis.com (workload identity federation) or
 * iamcredentials.googleapis.com (impersonation).
 */
static const char *const vertexai_domains[] = {
	"*-aiplatform.googleapis.com", /* PAUDE_ALLOWLIST_REGIONAL: REGION-aiplatform */
	"aiplatform.googleapis.com",
	"oauth2.googleapis.com",
	"sts.googleapis.com",
	"iamcredentials.googleapis.com",
	NULL,
};
/* pypi: pip's index (pypi.org/simple) and its downloads; not the upload
 * host (upload.pypi.org) or test.pypi.org. */
static const char *const pypi_domains[] = { "pypi.org", "files.pythonhosted.org", NULL };
/*
 * anthropic: what Claude Code needs with a claude.ai or Console login and
 * no gateway in between: the API (api.anthropic.com) and the hosts its
 * login and token refresh use (claude.ai, console.anthropic.com and its
 * newer name platform.claude.com). Not in default: a session whose model
 * provider is the gateway never calls them; paude adds it to the default
 * of a session without one (session-setup.c).
 */
static const char *const anthropic_domains[] = { "api.anthropic.com", "claude.ai",
						 "console.anthropic.com", "platform.claude.com",
						 NULL };

static const struct alias aliases[] = {
	{ "vertexai", vertexai_domains, true },
	{ "pypi", pypi_domains, true },
	{ "anthropic", anthropic_domains, false },
};

void
paude_allowlist_init(struct paude_allowlist *al)
{
	*al = (struct paude_allowlist)PAUDE_ALLOWLIST_INIT;
}

void
paude_allowlist_release(struct paude_allowlist *al)
{
	paude_strvec_clear(&al->requested);
	paude_strvec_clear(&al->domains);
	al->unrestricted = false;
}

static void
allowlist_releasep(struct paude_allowlist *al)
{
	paude_allowlist_release(al);
}

/* Append s for an error message: printable ASCII kept, the rest as \xNN, capped. */
static void
add_shown(struct paude_buf *b, const char *s)
{
	size_t n = 0;
	for (; *s && n < 80; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\'')
			paude_buf_addch(b, (char)c, NULL);
		else
			paude_buf_addf(b, NULL, "\\x%02x", c);
	}
	if (*s)
		paude_buf_addstr(b, "...", NULL);
}

static int
bad_value(struct paude_error **err, const char *value, const char *why)
{
	_cleanup_buf_ struct paude_buf shown = PAUDE_BUF_INIT;
	add_shown(&shown, value);
	return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid allowed domain '%s': %s", shown.buf,
			       why);
}

static bool
label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

int
paude_allowlist_check_domain(const char *value, struct paude_error **err)
{
	if (!value || !*value)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "empty allowed domain (give a name such as 'example.com' "
				       "or '.example.com')");
	if (strstr(value, "://"))
		return bad_value(err, value,
				 "a URL is not a domain (give just the host name, e.g. "
				 "'example.com')");
	if (strchr(value, '*'))
		return bad_value(err, value,
				 "wildcards are not supported (write '.example.com' for a domain "
				 "and all its subdomains)");
	if (strchr(value, '/'))
		return bad_value(err, value, "a path is not allowed (give just the host name)");
	if (strchr(value, '@'))
		return bad_value(err, value,
				 "user names are not allowed (give just the host name)");
	if (strchr(value, ':'))
		return bad_value(err, value,
				 "ports and IPv6 addresses are not supported (the proxy allows "
				 "HTTP on port 80 and HTTPS on port 443)");

	const char *body = value[0] == '.' ? value + 1 : value;
	size_t len = strlen(body);
	if (len > PAUDE_DOMAIN_MAX)
		return bad_value(err, value, "the name is longer than 253 characters");
	if (len >= 2 && body[len - 1] == '.' && body[len - 2] != '.')
		return bad_value(err, value, "remove the trailing dot");

	size_t labels = 0;
	bool last_numeric = false;
	const char *p = body;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0)
			return bad_value(err, value,
					 "empty label (two dots in a row, or a "
					 "dot where none belongs)");
		if (n > 63)
			return bad_value(err, value, "a label is longer than 63 characters");
		last_numeric = true;
		for (size_t i = 0; i < n; i++) {
			if (!label_char(p[i]))
				return bad_value(err, value,
						 "only letters, digits, '-' and '.' are allowed "
						 "in a domain name");
			if (!isdigit((unsigned char)p[i]))
				last_numeric = false;
		}
		if (p[0] == '-' || p[n - 1] == '-')
			return bad_value(err, value, "a label cannot start or end with '-'");
		labels++;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (last_numeric)
		return bad_value(err, value,
				 "IP addresses are not supported (allow the server's domain name)");
	if (labels < 2)
		return bad_value(err, value,
				 "a single label is not allowed (give a full name such as "
				 "'example.com' or '.example.com')");
	return 0;
}

int
paude_allowlist_check_entry(const char *entry, struct paude_error **err)
{
	size_t n = strlen(PAUDE_ALLOWLIST_REGIONAL);
	if (entry && !strncmp(entry, PAUDE_ALLOWLIST_REGIONAL, n))
		return paude_allowlist_check_domain(entry + n, err);
	return paude_allowlist_check_domain(entry, err);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True if entry is matched by the wildcard w (".x.com") and is not w itself. */
static bool
covered_by(const char *entry, const char *w)
{
	if (w[0] != '.' || !strcmp(entry, w))
		return false;
	if (!strcmp(entry, w + 1))
		return true;
	size_t ne = strlen(entry), nw = strlen(w);
	return ne > nw && !strcmp(entry + ne - nw, w);
}

/* Sort, drop duplicates, drop entries covered by a wildcard entry. */
static void
merge_domains(struct paude_strvec *sv)
{
	if (sv->nr > 1)
		qsort(sv->v, sv->nr, sizeof(*sv->v), cmp_str);
	for (size_t i = 0; i < sv->nr;) {
		bool drop = i > 0 && !strcmp(sv->v[i], sv->v[i - 1]);
		for (size_t j = 0; !drop && j < sv->nr; j++)
			drop = j != i && covered_by(sv->v[i], sv->v[j]);
		if (drop)
			paude_strvec_remove(sv, i);
		else
			i++;
	}
}

static void
push_unique(struct paude_strvec *sv, const char *s)
{
	if (paude_strvec_find(sv, s) < 0)
		paude_strvec_push(sv, s);
}

/* Split values on commas into lower-case words, spaces around them trimmed. */
static int
split_values(struct paude_strvec *out, const char *const *values, struct paude_error **err)
{
	for (size_t i = 0; values && values[i]; i++) {
		const char *p = values[i];
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			while (n && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n == 0)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "empty value in --allowed-domains (give "
						       "an alias such as 'default' or a domain "
						       "such as '.example.com')");
			if (out->nr >= PAUDE_ALLOWLIST_MAX)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "too many allowed domains (at most %d)",
						       PAUDE_ALLOWLIST_MAX);
			char *w = paude_xstrndup(p, n);
			for (char *c = w; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			paude_strvec_push_nodup(out, w);
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	return 0;
}

int
paude_allowlist_parse(struct paude_allowlist *out, const char *const *values,
		      struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec words = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec custom = PAUDE_STRVEC_INIT;
	_cleanup_(allowlist_releasep) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	bool want[ARRAY_SIZE(aliases)] = { false };
	bool all = false;
	int r;

	r = split_values(&words, values, err);
	if (r < 0)
		return r;
	if (words.nr == 0)
		paude_strvec_push(&words, "default");

	for (size_t i = 0; i < words.nr; i++) {
		const char *w = words.v[i];
		bool alias = false;
		if (!strcmp(w, "all")) {
			all = true;
			continue;
		}
		if (!strcmp(w, "default")) {
			for (size_t a = 0; a < ARRAY_SIZE(aliases); a++)
				want[a] |= aliases[a].in_default;
			continue;
		}
		for (size_t a = 0; a < ARRAY_SIZE(aliases); a++) {
			if (!strcmp(w, aliases[a].name)) {
				want[a] = alias = true;
				break;
			}
		}
		if (alias)
			continue;
		r = paude_allowlist_check_domain(w, err);
		if (r < 0)
			return r;
		push_unique(&custom, w);
	}

	if (all) {
		if (words.nr > 1)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'all' cannot be combined with other allowed "
					       "domains (it turns the proxy off; drop either "
					       "'all' or the other values)");
		al.unrestricted = true;
		paude_strvec_push(&al.requested, "all");
	} else {
		for (size_t a = 0; a < ARRAY_SIZE(aliases); a++) {
			if (!want[a])
				continue;
			paude_strvec_push(&al.requested, aliases[a].name);
			paude_strvec_pushv(&al.domains, aliases[a].domains);
		}
		for (size_t i = 0; i < custom.nr; i++) {
			paude_strvec_push(&al.requested, custom.v[i]);
			paude_strvec_push(&al.domains, custom.v[i]);
		}
		merge_domains(&al.domains);
	}

	paude_allowlist_release(out);
	*out = al;
	paude_allowlist_init(&al);
	return 0;
}

void
paude_allowlist_describe(struct paude_buf *out, const char *const *values)
{
	_cleanup_(allowlist_releasep) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_error_ struct paude_error *e = NULL;

	if (paude_allowlist_parse(&al, values, &e) < 0) {
		size_t n = 0;
		while (values && values[n])
			n++;
		if (n)
			paude_buf_addf(out, NULL, "custom (%zu entr%s)", n, n == 1 ? "y" : "ies");
		else
			paude_buf_addstr(out, "unknown", NULL);
		return;
	}
	if (al.unrestricted) {
		paude_buf_addstr(out, "unrestricted", NULL);
		return;
	}
	for (size_t i = 0; i < al.requested.nr; i++)
		paude_buf_addf(out, NULL, "%s%s", i ? ", " : "", al.requested.v[i]);
}

/* Whether the expanded entry e lets host through (as squid matches it). */
static bool
entry_matches(const char *e, const char *host)
{
	size_t rn = strlen(PAUDE_ALLOWLIST_REGIONAL);
	size_t nh = strlen(host);
	if (!strncmp(e, PAUDE_ALLOWLIST_REGIONAL, rn)) {
		/* "*-x.com": one label of letters, digits and '-', then "-x.com". */
		const char *suffix = e + rn - 1; /* "-x.com" */
		size_t ns = strlen(suffix);
		if (nh <= ns || strcmp(host + nh - ns, suffix) != 0)
			return false;
		for (size_t i = 0; i < nh - ns; i++)
			if (!label_char(host[i]))
				return false;
		return true;
	}
	if (e[0] == '.')
		return !strcmp(host, e + 1) || covered_by(host, e);
	return !strcmp(host, e);
}

/* The expanded entries of one requested word (an alias or a custom entry). */
static void
word_entries(const char *word, struct paude_strvec *out)
{
	for (size_t a = 0; a < ARRAY_SIZE(aliases); a++) {
		if (!strcmp(word, aliases[a].name)) {
			paude_strvec_pushv(out, aliases[a].domains);
			return;
		}
	}
	paude_strvec_push(out, word);
}

static bool
is_alias(const char *word)
{
	for (size_t a = 0; a < ARRAY_SIZE(aliases); a++)
		if (!strcmp(word, aliases[a].name))
			return true;
	return false;
}

const char *
paude_allowlist_allowed_by(const struct paude_allowlist *al, const char *host)
{
	if (al->unrestricted)
		return "all";
	for (size_t i = 0; i < al->requested.nr; i++) {
		_cleanup_strvec_ struct paude_strvec es = PAUDE_STRVEC_INIT;
		word_entries(al->requested.v[i], &es);
		for (size_t j = 0; j < es.nr; j++)
			if (entry_matches(es.v[j], host))
				return al->requested.v[i];
	}
	return NULL;
}

/* Whether anything the entry e lets through lies in the scope of the
 * wildcard value d (".x.com": x.com and every name under it). */
static bool
entry_in_scope(const char *e, const char *d)
{
	size_t rn = strlen(PAUDE_ALLOWLIST_REGIONAL);
	const char *h = e;
	if (!strncmp(e, PAUDE_ALLOWLIST_REGIONAL, rn))
		h = e + rn; /* LABEL-x.com lies where x.com does */
	else if (e[0] == '.')
		h = e + 1;
	return !strcmp(h, d + 1) || covered_by(h, d);
}

/* The words of values: split, lower case, "default" as its aliases; each
 * one checked. what: "--allow" or "--deny", for messages. */
static int
change_words(struct paude_strvec *out, const char *const *values, const char *what,
	     struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec words = PAUDE_STRVEC_INIT;
	int r = split_values(&words, values, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < words.nr; i++) {
		const char *w = words.v[i];
		if (!strcmp(w, "all"))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "%s all: the network of a session cannot be switched between "
			    "filtered and unrestricted after create (allow the domains it "
			    "needs instead, or create a new session with --allowed-domains all)",
			    what);
		if (!strcmp(w, "default")) {
			for (size_t a = 0; a < ARRAY_SIZE(aliases); a++)
				if (aliases[a].in_default)
					push_unique(out, aliases[a].name);
			continue;
		}
		if (!is_alias(w) && (r = paude_allowlist_check_domain(w, err)) < 0)
			return r;
		push_unique(out, w);
	}
	return 0;
}

int
paude_allowlist_change(struct paude_allowlist *out, bool *changed, const char *const *current,
		       const char *const *allow, const char *const *deny,
		       struct paude_strvec *notes, struct paude_error **err)
{
	_cleanup_(allowlist_releasep) struct paude_allowlist cur = PAUDE_ALLOWLIST_INIT;
	_cleanup_(allowlist_releasep) struct paude_allowlist next = PAUDE_ALLOWLIST_INIT;
	_cleanup_strvec_ struct paude_strvec add = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec del = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec words = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec said = PAUDE_STRVEC_INIT;
	int r;

	if ((r = paude_allowlist_parse(&cur, current, err)) < 0) {
		paude_error_wrap(err, r, "the stored policy does not parse");
		return r;
	}
	if (cur.unrestricted)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the network is unrestricted ('all'): there is no allowlist "
				       "to change (create a new session with --allowed-domains for "
				       "a filtered one)");
	if ((r = change_words(&add, allow, "--allow", err)) < 0 ||
	    (r = change_words(&del, deny, "--deny", err)) < 0)
		return r;
	if (!add.nr && !del.nr)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "nothing to change (give --allow or "
				       "--deny)");
	for (size_t i = 0; i < add.nr; i++)
		if (paude_strvec_find(&del, add.v[i]) >= 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' is both allowed and denied (give it once)",
					       add.v[i]);

	paude_strvec_pushv(&words, (const char *const *)cur.requested.v);
	for (size_t i = 0; i < del.nr; i++) {
		const char *d = del.v[i];
		if (!d)
			break;
		bool removed = false;
		for (size_t j = 0; j < words.nr;) {
			const char *w = words.v[j];
			bool hit =
			    !strcmp(w, d) || (d[0] == '.' && !is_alias(w) && covered_by(w, d));
			if (hit) {
				paude_strvec_remove(&words, j);
				removed = true;
			} else {
				j++;
			}
		}
		if (!removed)
			paude_strvec_pushf(&said, "'%s' is not allowed: nothing to deny", d);
	}
	for (size_t i = 0; i < add.nr; i++) {
		const char *a = add.v[i];
		if (!a)
			break;
		/* have: a view of words (its strings belong to words). */
		struct paude_allowlist have = { .requested = words };
		const char *via = NULL;
		if (paude_strvec_find(&words, a) >= 0)
			via = a;
		else if (!is_alias(a) && a[0] != '.')
			via = paude_allowlist_allowed_by(&have, a);
		for (size_t j = 0; !via && a[0] == '.' && j < words.nr; j++) {
			const char *w = words.v[j];
			if (w && w[0] == '.' && covered_by(a, w))
				via = w;
		}
		if (!via)
			paude_strvec_push(&words, a);
		else if (!strcmp(via, a))
			paude_strvec_pushf(&said, "'%s' is already allowed", a);
		else
			paude_strvec_pushf(&said, "'%s' is already allowed (through '%s')", a, via);
	}
	/* What the policy ends up with must not still let a denied name
	 * through (an alias, a wider entry, or one allowed in the same go). */
	for (size_t i = 0; i < del.nr; i++) {
		const char *d = del.v[i];
		if (!d || is_alias(d))
			continue;
		_cleanup_(allowlist_releasep) struct paude_allowlist rest = PAUDE_ALLOWLIST_INIT;
		paude_strvec_pushv(&rest.requested, (const char *const *)words.v);
		const char *w = paude_allowlist_allowed_by(&rest, d[0] == '.' ? d + 1 : d);
		long at = w ? paude_strvec_find(&words, w) : -1;
		const char *via = at >= 0 ? words.v[at] : NULL; /* a word of words */
		for (size_t j = 0; !via && d[0] == '.' && j < words.nr; j++) {
			_cleanup_strvec_ struct paude_strvec es = PAUDE_STRVEC_INIT;
			word_entries(words.v[j], &es);
			for (size_t k = 0; !via && k < es.nr; k++)
				if (entry_in_scope(es.v[k], d))
					via = words.v[j];
		}
		if (via)
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "cannot deny '%s': %s '%s' allows it (deny '%s' instead, and allow "
			    "again what you still need of it)",
			    d, is_alias(via) ? "the alias" : "the entry", via, via);
	}
	if (!words.nr)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the session would allow no domain at all (a filtered "
				       "session's proxy must allow something: allow another "
				       "domain in the same command, or stop the session)");
	if ((r = paude_allowlist_parse(&next, (const char *const *)words.v, err)) < 0)
		return r;

	bool diff = next.requested.nr != cur.requested.nr;
	for (size_t i = 0; !diff && i < next.requested.nr; i++)
		diff = strcmp(next.requested.v[i], cur.requested.v[i]) != 0;
	paude_allowlist_release(out);
	*out = next;
	paude_allowlist_init(&next);
	*changed = diff;
	if (notes)
		paude_strvec_pushv(notes, (const char *const *)said.v);
	return 0;
}
