/* SPDX-License-Identifier: MIT */
/*
 * The ssh_config(5) subset and known_hosts checking (see ssh-config.h).
 * The config is read like OpenSSH reads it: line by line, a keyword and its
 * arguments separated by blanks or one '=', arguments grouped by double
 * quotes; a Host line decides whether the lines up to the next Host or
 * Match apply; the first value obtained for a keyword is kept.
 */
#include <ctype.h>
#include <glob.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <libssh2.h>
#include "paude/backend/ssh-config.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/log.h"
#include "paude/core/sha256.h"
#include "core/banned.h"

#define MAX_INCLUDE_DEPTH 16
#define MAX_CONFIG_SIZE (4 << 20)

void
paude_ssh_target_init(struct paude_ssh_target *t)
{
	memset(t, 0, sizeof(*t));
	paude_strvec_init(&t->identity_files);
	paude_strvec_init(&t->known_hosts);
}

void
paude_ssh_target_release(struct paude_ssh_target *t)
{
	free(t->alias);
	free(t->hostname);
	free(t->user);
	paude_strvec_clear(&t->identity_files);
	paude_strvec_clear(&t->known_hosts);
	paude_ssh_target_init(t);
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
parse_port(const char *s, unsigned *out)
{
	unsigned v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

static bool
valid_host(const char *h)
{
	if (!h || !*h || h[0] == '-' || has_control(h))
		return false;
	for (const char *p = h; *p; p++)
		if (isspace((unsigned char)*p) || strchr("/@[]'\"\\`$;&|<>()*?!,", *p))
			return false;
	return true;
}

/*
 * A user name as OpenSSH's client takes one: no shell syntax, no blanks, not
 * an option. paude never gives it to a shell, but it comes from git URLs
 * and config files, and a name like that is an attack or a mistake.
 */
static bool
valid_user(const char *u)
{
	if (!u || !*u || u[0] == '-' || has_control(u))
		return false;
	for (const char *p = u; *p; p++)
		if (isspace((unsigned char)*p) || strchr("'`\"$\\;&<>|(){}", *p))
			return false;
	return true;
}

static bool
valid_v6(const char *h)
{
	if (!h || !strchr(h, ':'))
		return false;
	for (; *h; h++)
		if (!isxdigit((unsigned char)*h) && *h != ':' && *h != '.')
			return false;
	return true;
}

int
paude_ssh_address_parse(struct paude_ssh_target *t, const char *addr, struct paude_error **err)
{
	if (!addr || !*addr)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "empty host (want [USER@]HOST[:PORT])");
	if (has_control(addr) || strchr(addr, ' ') || strchr(addr, '\t'))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "bad host '%s' (want [USER@]HOST[:PORT])", addr);
	_cleanup_free_ char *user = NULL, *host = NULL;
	unsigned port = 0;
	const char *at = strrchr(addr, '@'), *rest = addr;
	if (at) {
		if (at == addr)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s': empty user before '@'", addr);
		user = paude_xstrndup(addr, (size_t)(at - addr));
		if (user[0] == '-')
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s': the user may not start with '-'",
					       addr);
		if (!valid_user(user))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s': bad character in the user", addr);
		rest = at + 1;
	}
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');
		if (!close || close == rest + 1)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s': unclosed '[' (want [ADDRESS]:PORT)",
					       addr);
		host = paude_xstrndup(rest + 1, (size_t)(close - rest - 1));
		if (close[1] == ':') {
			if (parse_port(close + 2, &port) < 0)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "bad port in host '%s' (want 1-65535)",
						       addr);
		} else if (close[1]) {
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "bad host '%s': text after ']' (want [ADDRESS]:PORT)", addr);
		}
		if (!valid_v6(host))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "bad address in host '%s'",
					       addr);
	} else {
		const char *colon = strchr(rest, ':');
		if (colon && strchr(colon + 1, ':'))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s' (write an IPv6 address as "
					       "[ADDRESS]:PORT)",
					       addr);
		host = colon ? paude_xstrndup(rest, (size_t)(colon - rest)) : paude_xstrdup(rest);
		if (colon && parse_port(colon + 1, &port) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad port in host '%s' (want 1-65535)", addr);
		if (!valid_host(host))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "bad host '%s' (want [USER@]HOST[:PORT])", addr);
	}
	free(t->alias);
	t->alias = TAKE_PTR(host);
	if (user) {
		free(t->user);
		t->user = TAKE_PTR(user);
		t->user_given = 1;
	}
	if (port)
		t->port = port;
	return 0;
}

/* Glob-style match of * and ?, ASCII case-insensitive (host names). */
static bool
wild_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat && (*pat == '?' ||
				    tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* A Host line's patterns: one negated match excludes, else any positive match. */
static bool
host_matches(char *const *pats, size_t n, const char *host)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		const char *p = pats[i];
		bool neg = p[0] == '!';
		if (wild_match(neg ? p + 1 : p, host)) {
			if (neg)
				return false;
			any = true;
		}
	}
	return any;
}

/*
 * Split one line into words: the keyword ends at a blank or '=' (one '='
 * may stand between it and the arguments); arguments are separated by
 * blanks and "..." groups one (no escapes). A word starting with '#'
 * ends the line.
 */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int
split_line(char *line, struct paude_strvec *out)
{
	const char *p = line;
	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	const char *k = p;
	while (*p && !is_blank(*p) && *p != '=')
		p++;
	if (p == k)
		return -1;
	_cleanup_free_ char *key = paude_xstrndup(k, (size_t)(p - k));
	paude_strvec_push(out, key);
	while (is_blank(*p))
		p++;
	if (*p == '=')
		p++;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return 0;
		_cleanup_buf_ struct paude_buf w = PAUDE_BUF_INIT;
		while (*p && !is_blank(*p)) {
			if (*p == '"') {
				const char *q = strchr(p + 1, '"');
				if (!q)
					return -1;
				paude_buf_add(&w, p + 1, (size_t)(q - p - 1), NULL);
				p = q + 1;
			} else {
				paude_buf_addch(&w, *p++, NULL);
			}
		}
		paude_strvec_push(out, w.buf);
	}
}

struct apply_state {
	struct paude_ssh_target *t;
	const struct paude_ssh_env *env;
	bool active;
	int depth;
};

static int apply_text(struct apply_state *st, const char *text, size_t len, const char *file,
		      struct paude_error **err);

static int
apply_include(struct apply_state *st, const char *pattern, const char *file, size_t lineno,
	      struct paude_error **err)
{
	if (st->depth >= MAX_INCLUDE_DEPTH)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' line %zu: Include nested too deeply", file, lineno);
	_cleanup_free_ char *full = NULL;
	if (pattern[0] == '~' && pattern[1] == '/')
		full = paude_xasprintf("%s%s", st->env->home ? st->env->home : "", pattern + 1);
	else if (pattern[0] == '/')
		full = paude_xstrdup(pattern);
	else if (!strncmp(file, "/etc/ssh/", 9))
		full = paude_xasprintf("/etc/ssh/%s", pattern);
	else
		full = paude_xasprintf("%s/.ssh/%s", st->env->home ? st->env->home : "", pattern);
	glob_t g;
	memset(&g, 0, sizeof(g));
	int gr = glob(full, 0, NULL, &g);
	if (gr == GLOB_NOMATCH) {
		globfree(&g);
		return 0;
	}
	if (gr != 0) {
		globfree(&g);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' line %zu: cannot expand Include '%s'", file, lineno,
				       pattern);
	}
	int r = 0;
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
		paude_buf_init(&b, MAX_CONFIG_SIZE);
		_cleanup_error_ struct paude_error *rerr = NULL;
		struct stat sb;
		if (stat(g.gl_pathv[i], &sb) < 0 || !S_ISREG(sb.st_mode)) {
			paude_debug("ssh config: skipping '%s': not a file", g.gl_pathv[i]);
			continue;
		}
		if (paude_buf_read_file(&b, g.gl_pathv[i], &rerr) < 0) {
			paude_debug("ssh config: skipping '%s': %s", g.gl_pathv[i], rerr->msg);
			continue;
		}
		bool saved = st->active;
		st->depth++;
		r = apply_text(st, b.buf, b.len, g.gl_pathv[i], err);
		st->depth--;
		st->active = saved;
	}
	globfree(&g);
	return r;
}

static void
set_first(char **slot, const char *v)
{
	if (*slot)
		return;
	*slot = paude_xstrdup(v);
}

static int
apply_line(struct apply_state *st, struct paude_strvec *w, const char *file, size_t lineno,
	   struct paude_error **err)
{
	const char *key = w->v[0];
	struct paude_ssh_target *t = st->t;
	if (!strcasecmp(key, "Host")) {
		if (w->nr < 2)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' line %zu: Host without a pattern", file,
					       lineno);
		st->active = host_matches(w->v + 1, w->nr - 1, t->alias);
		return 0;
	}
	if (!strcasecmp(key, "Match")) {
		st->active = w->nr == 2 && !strcasecmp(w->v[1], "all");
		if (!st->active)
			paude_debug("ssh config '%s' line %zu: Match not evaluated, skipped", file,
				    lineno);
		return 0;
	}
	if (!strcasecmp(key, "Include")) {
		if (w->nr < 2)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' line %zu: Include without a file", file,
					       lineno);
		if (!st->active)
			return 0;
		if (st->env->no_include)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' line %zu: Include is not allowed here", file,
					       lineno);
		for (size_t i = 1; i < w->nr; i++) {
			int r = apply_include(st, w->v[i], file, lineno, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!st->active)
		return 0;
	bool is_proxy = !strcasecmp(key, "ProxyJump") || !strcasecmp(key, "ProxyCommand");
	bool ours = is_proxy || !strcasecmp(key, "HostName") || !strcasecmp(key, "User") ||
		    !strcasecmp(key, "Port") || !strcasecmp(key, "IdentityFile") ||
		    !strcasecmp(key, "UserKnownHostsFile");
	if (!ours)
		return 0;
	if (w->nr < 2)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "'%s' line %zu: %s without a value",
				       file, lineno, key);
	const char *v = w->v[1];
	if (is_proxy) {
		if (t->proxy_set)
			return 0;
		t->proxy_set = 1;
		if (!strcasecmp(v, "none"))
			return 0;
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' line %zu: %s is not supported by paude for host '%s' "
				       "(paude connects to the host directly: give it an address "
				       "it can reach, or set '%s none' for it)",
				       file, lineno, key, t->alias, key);
	}
	if (!strcasecmp(key, "HostName")) {
		set_first(&t->hostname, v);
	} else if (!strcasecmp(key, "User")) {
		if (!t->user) {
			set_first(&t->user, v);
			t->user_given = 1;
		}
	} else if (!strcasecmp(key, "Port")) {
		unsigned port = 0;
		if (parse_port(v, &port) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' line %zu: bad Port '%s' (want 1-65535)", file,
					       lineno, v);
		if (!t->port)
			t->port = port;
	} else if (!strcasecmp(key, "IdentityFile")) {
		if (!strcasecmp(v, "none"))
			return 0;
		if (paude_strvec_find(&t->identity_files, v) < 0)
			paude_strvec_push(&t->identity_files, v);
		t->identity_given = 1;
	} else if (!strcasecmp(key, "UserKnownHostsFile")) {
		if (t->known_hosts_set)
			return 0;
		t->known_hosts_set = 1;
		for (size_t i = 1; i < w->nr; i++)
			if (strcasecmp(w->v[i], "none") != 0)
				paude_strvec_push(&t->known_hosts, w->v[i]);
	}
	return 0;
}

static int
apply_text(struct apply_state *st, const char *text, size_t len, const char *file,
	   struct paude_error **err)
{
	size_t lineno = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		_cleanup_free_ char *line = paude_xstrndup(p, n);
		p += n + (nl ? 1 : 0);
		if (strlen(line) != n)
			return paude_error_set(err, PAUDE_EUSAGE, 0, "'%s' line %zu: a NUL byte",
					       file, lineno);
		_cleanup_strvec_ struct paude_strvec w = PAUDE_STRVEC_INIT;
		if (split_line(line, &w) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' line %zu: unterminated quote or no keyword",
					       file, lineno);
		if (!w.nr)
			continue;
		int r = apply_line(st, &w, file, lineno, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int
paude_ssh_config_apply(struct paude_ssh_target *t, const char *text, size_t len, const char *file,
		       const struct paude_ssh_env *env, struct paude_error **err)
{
	if (!t->alias)
		PAUDE_BUG("ssh config applied before the address");
	struct apply_state st = { .t = t, .env = env, .active = true };
	return apply_text(&st, text, len, file, err);
}

/* Expand a leading ~ and the %-tokens in `tokens` (a subset of "dhlnpru"). */
static int
expand(const struct paude_ssh_target *t, const struct paude_ssh_env *env, const char *in,
       const char *tokens, const char *what, char **out, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	const char *s = in;
	if (s[0] == '~' && strchr(tokens, 'd')) {
		if (s[1] && s[1] != '/')
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "%s '%s': only ~/ is supported, not ~USER", what,
					       in);
		paude_buf_addstr(&b, env->home ? env->home : "", NULL);
		s++;
	}
	for (; *s; s++) {
		if (*s != '%') {
			paude_buf_addch(&b, *s, NULL);
			continue;
		}
		char c = *++s;
		if (c == '%') {
			paude_buf_addch(&b, '%', NULL);
			continue;
		}
		if (!c || !strchr(tokens, c))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "%s '%s': token '%%%c' is not supported", what, in,
					       c ? c : ' ');
		switch (c) {
		case 'd':
			paude_buf_addstr(&b, env->home ? env->home : "", NULL);
			break;
		case 'h':
			paude_buf_addstr(&b, t->hostname ? t->hostname : t->alias, NULL);
			break;
		case 'l':
			paude_buf_addstr(&b, env->local_host ? env->local_host : "", NULL);
			break;
		case 'n':
			paude_buf_addstr(&b, t->alias, NULL);
			break;
		case 'p':
			paude_buf_addf(&b, NULL, "%u", t->port);
			break;
		case 'r':
			paude_buf_addstr(&b, t->user ? t->user : "", NULL);
			break;
		case 'u':
			paude_buf_addstr(&b, env->local_user ? env->local_user : "", NULL);
			break;
		default:
			break;
		}
	}
	*out = paude_buf_detach(&b);
	return 0;
}

static int
expand_all(const struct paude_ssh_target *t, const struct paude_ssh_env *env,
	   struct paude_strvec *v, const char *what, struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec done = PAUDE_STRVEC_INIT;
	for (size_t i = 0; i < v->nr; i++) {
		char *x = NULL;
		int r = expand(t, env, v->v[i], "dhlnpru", what, &x, err);
		if (r < 0)
			return r;
		paude_strvec_push_nodup(&done, x);
	}
	paude_strvec_clear(v);
	for (size_t i = 0; i < done.nr; i++)
		paude_strvec_push(v, done.v[i]);
	return 0;
}

int
paude_ssh_target_finish(struct paude_ssh_target *t, const struct paude_ssh_env *env,
			struct paude_error **err)
{
	if (!t->alias)
		PAUDE_BUG("ssh target without a host");
	if (t->hostname) {
		/* %h in HostName is the host as given. */
		_cleanup_free_ char *raw = TAKE_PTR(t->hostname);
		char *x = NULL;
		int r = expand(t, env, raw, "h", "HostName", &x, err);
		if (r < 0)
			return r;
		t->hostname = x;
		if (!valid_host(x) && !valid_v6(x))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "bad HostName '%s' for '%s'",
					       x, t->alias);
	} else {
		t->hostname = paude_xstrdup(t->alias);
	}
	if (!t->user) {
		if (!env->local_user || !*env->local_user)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "no user for host '%s' (give it as USER@%s)",
					       t->alias, t->alias);
		t->user = paude_xstrdup(env->local_user);
	}
	if (!valid_user(t->user))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "bad user for host '%s'", t->alias);
	if (!t->port)
		t->port = 22;
	if (!t->known_hosts_set || !t->known_hosts.nr) {
		if (!t->known_hosts_set)
			paude_strvec_push(&t->known_hosts, "~/.ssh/known_hosts");
	}
	int r = expand_all(t, env, &t->identity_files, "IdentityFile", err);
	if (r < 0)
		return r;
	return expand_all(t, env, &t->known_hosts, "UserKnownHostsFile", err);
}

static int
apply_file(struct paude_ssh_target *t, const char *path, const struct paude_ssh_env *env,
	   struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_init(&b, MAX_CONFIG_SIZE);
	_cleanup_error_ struct paude_error *rerr = NULL;
	if (paude_buf_read_file(&b, path, &rerr) < 0) {
		if (rerr->sys_errno == ENOENT || rerr->sys_errno == ENOTDIR)
			return 0;
		return paude_error_set(err, PAUDE_EUSAGE, rerr->sys_errno, "%s", rerr->msg);
	}
	return paude_ssh_config_apply(t, b.buf, b.len, path, env, err);
}

int
paude_ssh_target_resolve(struct paude_ssh_target *t, const char *addr, struct paude_error **err)
{
	struct paude_ssh_target tmp;
	paude_ssh_target_init(&tmp);
	char hostbuf[256] = "";
	(void)gethostname(hostbuf, sizeof(hostbuf) - 1);
	struct passwd *pw = getpwuid(getuid());
	const char *home = getenv("HOME");
	if ((!home || !*home) && pw)
		home = pw->pw_dir;
	const char *user = pw ? pw->pw_name : getenv("USER");
	struct paude_ssh_env env = { .home = home, .local_user = user, .local_host = hostbuf };
	_cleanup_free_ char *cfg = paude_xasprintf("%s/.ssh/config", home ? home : "");
	int r = paude_ssh_address_parse(&tmp, addr, err);
	if (r == 0 && home)
		r = apply_file(&tmp, cfg, &env, err);
	if (r == 0)
		r = apply_file(&tmp, "/etc/ssh/ssh_config", &env, err);
	if (r == 0)
		r = paude_ssh_target_finish(&tmp, &env, err);
	if (r < 0) {
		paude_ssh_target_release(&tmp);
		return r;
	}
	paude_ssh_target_release(t);
	*t = tmp;
	return 0;
}

/* ---- known_hosts ---- */

char *
paude_ssh_known_hosts_name(const char *host, unsigned port)
{
	if (port == 22 || port == 0)
		return paude_xstrdup(host);
	return paude_xasprintf("[%s]:%u", host, port);
}

static void
base64(struct paude_buf *b, const unsigned char *p, size_t n, bool pad)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		paude_buf_addch(b, tab[(v >> 18) & 63], NULL);
		paude_buf_addch(b, tab[(v >> 12) & 63], NULL);
		if (i + 1 < n)
			paude_buf_addch(b, tab[(v >> 6) & 63], NULL);
		else if (pad)
			paude_buf_addch(b, '=', NULL);
		if (i + 2 < n)
			paude_buf_addch(b, tab[v & 63], NULL);
		else if (pad)
			paude_buf_addch(b, '=', NULL);
	}
}

char *
paude_ssh_fingerprint(const unsigned char *key, size_t len)
{
	struct paude_sha256 h;
	uint8_t d[PAUDE_SHA256_LEN];
	paude_sha256_init(&h);
	paude_sha256_update(&h, key, len);
	paude_sha256_final(&h, d);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_addstr(&b, "SHA256:", NULL);
	base64(&b, d, sizeof(d), false);
	return paude_buf_detach(&b);
}

/* The key type named at the start of the blob ("ssh-ed25519"), or NULL. */
static char *
blob_type(const unsigned char *key, size_t len)
{
	if (len < 4)
		return NULL;
	size_t n = (size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 | key[3];
	if (n == 0 || n > 64 || n > len - 4)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isgraph(key[4 + i]))
			return NULL;
	return paude_xstrndup((const char *)key + 4, n);
}

static int
knownhost_type(const char *type)
{
	if (!type)
		return -1;
	if (!strcmp(type, "ssh-rsa"))
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	if (!strcmp(type, "ssh-dss"))
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
#ifdef LIBSSH2_KNOWNHOST_KEY_ED25519
	if (!strcmp(type, "ssh-ed25519"))
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	if (!strcmp(type, "ecdsa-sha2-nistp256"))
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	if (!strcmp(type, "ecdsa-sha2-nistp384"))
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	if (!strcmp(type, "ecdsa-sha2-nistp521"))
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
#endif
	return -1;
}

/* ssh-keyscan's -t name for a key type, and the short name in messages. */
static const char *
scan_type(const char *type)
{
	if (!strcmp(type, "ssh-ed25519"))
		return "ed25519";
	if (!strcmp(type, "ssh-rsa"))
		return "rsa";
	if (!strcmp(type, "ssh-dss"))
		return "dsa";
	if (!strncmp(type, "ecdsa-", 6))
		return "ecdsa";
	return type;
}

/* The path as the user would type it: ~/... under $HOME, shell-quoted. */
static void
add_user_path(struct paude_buf *b, const char *path)
{
	if (!path)
		return;
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	if (hl > 1 && !strncmp(path, home, hl) && path[hl] == '/') {
		paude_buf_addstr(b, "~/", NULL);
		paude_buf_add_shell_quoted(b, path + hl + 1);
	} else {
		paude_buf_add_shell_quoted(b, path);
	}
}

static void
free_knownhosts(LIBSSH2_KNOWNHOSTS **kh)
{
	if (*kh)
		libssh2_knownhost_free(*kh);
}

static void
free_session(LIBSSH2_SESSION **s)
{
	if (*s)
		libssh2_session_free(*s);
}

/*
 * Load one file line by line into kh: a line libssh2 cannot read (a key
 * type it does not know, @cert-authority) is skipped rather than failing
 * the whole file; @revoked lines naming this key set *revoked.
 */
static void
load_known_hosts(LIBSSH2_KNOWNHOSTS *kh, const char *path, const char *key_b64, bool *revoked)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_init(&b, MAX_CONFIG_SIZE);
	_cleanup_error_ struct paude_error *rerr = NULL;
	if (paude_buf_read_file(&b, path, &rerr) < 0) {
		paude_debug("known hosts: skipping '%s': %s", path, rerr->msg);
		return;
	}
	const char *p = b.buf, *end = b.buf + b.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += n + (nl ? 1 : 0);
		while (n && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (!n || *line == '#')
			continue;
		if (*line == '@') {
			if (n > 9 && !strncmp(line, "@revoked ", 9)) {
				_cleanup_free_ char *l = paude_xstrndup(line, n);
				_cleanup_strvec_ struct paude_strvec w = PAUDE_STRVEC_INIT;
				if (l && split_line(l, &w) == 0 && w.nr >= 4 &&
				    !strcmp(w.v[3], key_b64))
					*revoked = true;
			}
			continue;
		}
		/* libssh2 looks one byte past the line for a newline: give it a NUL. */
		_cleanup_free_ char *copy = paude_xstrndup(line, n);
		if (libssh2_knownhost_readline(kh, copy, strlen(copy),
					       LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
			paude_debug("known hosts '%s': skipping a line libssh2 cannot read", path);
	}
}

int
paude_ssh_known_hosts_check(const struct paude_strvec *files, const char *host, unsigned port,
			    const unsigned char *key, size_t len, struct paude_error **err)
{
	_cleanup_free_ char *name = paude_ssh_known_hosts_name(host, port);
	_cleanup_free_ char *fp = paude_ssh_fingerprint(key, len);
	_cleanup_free_ char *type = blob_type(key, len);
	int kt = knownhost_type(type);
	if (!type || kt < 0)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "host '%s' offers a host key of a type paude cannot check "
				       "(%s, %s)",
				       name, type ? type : "unreadable", fp);
	_cleanup_buf_ struct paude_buf b64 = PAUDE_BUF_INIT;
	base64(&b64, key, len, true);
	if (libssh2_init(0) != 0)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
	__attribute__((cleanup(free_session))) LIBSSH2_SESSION *s = libssh2_session_init();
	if (!s)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
	__attribute__((cleanup(free_knownhosts))) LIBSSH2_KNOWNHOSTS *kh =
	    libssh2_knownhost_init(s);
	if (!kh)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
	bool revoked = false;
	const char *mismatch_file = NULL;
	for (size_t i = 0; i < files->nr; i++) {
		/* One file at a time, so that a mismatch can name its file. */
		libssh2_knownhost_free(kh);
		kh = libssh2_knownhost_init(s);
		if (!kh)
			return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
		load_known_hosts(kh, files->v[i], b64.buf, &revoked);
		if (revoked)
			return paude_error_set(
			    err, PAUDE_EPROTO, 0,
			    "HOST KEY OF '%s' IS REVOKED: its %s key %s is marked @revoked in "
			    "'%s' (refusing to connect)",
			    name, scan_type(type), fp, files->v[i]);
		/*
		 * The known_hosts name is given whole with no port: libssh2 would
		 * otherwise also accept a plain "host" entry for a non-standard
		 * port, which OpenSSH does not.
		 */
		int c = libssh2_knownhost_checkp(
		    kh, name, -1, (const char *)key, len,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt, NULL);
		if (c == LIBSSH2_KNOWNHOST_CHECK_MATCH)
			return 0;
		if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH && !mismatch_file)
			mismatch_file = files->v[i];
	}
	if (mismatch_file) {
		_cleanup_buf_ struct paude_buf f = PAUDE_BUF_INIT;
		add_user_path(&f, mismatch_file);
		_cleanup_buf_ struct paude_buf qn = PAUDE_BUF_INIT;
		paude_buf_add_shell_quoted(&qn, name);
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "REMOTE HOST IDENTIFICATION HAS CHANGED for '%s': it offers %s key %s, which "
		    "is not the key recorded in '%s'; someone could be intercepting the "
		    "connection, so paude refuses it (if the host was really reinstalled, check "
		    "the new fingerprint with its administrator, then remove the old key with: "
		    "ssh-keygen -R %s -f %s)",
		    name, scan_type(type), fp, mismatch_file, qn.buf, f.buf);
	}
	_cleanup_buf_ struct paude_buf cmd = PAUDE_BUF_INIT;
	paude_buf_addf(&cmd, NULL, "ssh-keyscan -t %s ", scan_type(type));
	if (port != 22)
		paude_buf_addf(&cmd, NULL, "-p %u ", port);
	paude_buf_add_shell_quoted(&cmd, host);
	paude_buf_addstr(&cmd, " >> ", NULL);
	if (files->nr)
		add_user_path(&cmd, files->v[0]);
	else
		paude_buf_addstr(&cmd, "~/.ssh/known_hosts", NULL);
	return paude_error_set(err, PAUDE_EPROTO, 0,
			       "host '%s' is not known: it offers %s key %s (check this "
			       "fingerprint with the host's administrator, then trust it with: %s)",
			       name, scan_type(type), fp, cmd.buf);
}
