/* SPDX-License-Identifier: MIT */
/*
 * What `--allowed-domains` means: the allowlist of a session's proxy.
 *
 * Allowlist values (repeatable, and each may hold several values separated
 * by commas):
 *   default    vertexai + pypi (also what an empty list means)
 *   vertexai   Vertex AI and the token endpoints of gcloud ADC:
 *              REGION-aiplatform.googleapis.com, aiplatform.googleapis.com,
 *              oauth2.googleapis.com, sts.googleapis.com,
 *              iamcredentials.googleapis.com
 *   pypi       pypi.org, files.pythonhosted.org
 *   anthropic  api.anthropic.com, claude.ai, console.anthropic.com,
 *              platform.claude.com (Claude Code with a claude.ai or Console
 *              login; not in default, but added to the default of a session
 *              whose gateway serves no model provider)
 *   all        no filtering proxy (unrestricted); cannot be combined
 *   .x.com     x.com and every name under it
 *   x.com      exactly that host
 * Custom values replace the default unless `default` is given too. Names
 * are case-insensitive (stored in lower case). Rejected: URLs, paths, ports,
 * wildcards (`*.x.com`: write `.x.com`), IP addresses, single-label names
 * (`localhost`, `.com`), anything that is not hostname syntax, more than
 * PAUDE_ALLOWLIST_MAX values.
 */
#ifndef PAUDE_ALLOWLIST_H
#define PAUDE_ALLOWLIST_H

#include <stdbool.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/strvec.h"

#define PAUDE_ALLOWLIST_MAX 128 /* values after splitting on commas */
#define PAUDE_DOMAIN_MAX 253 /* characters in one name, leading dot excluded */
/*
 * An expanded entry that starts with this prefix ("*-x.com") stands for
 * every name LABEL-x.com, one label of letters, digits and '-' in front:
 * only aliases produce it (the regional Vertex AI endpoints); a value the
 * user gives with '*' is refused.
 */
#define PAUDE_ALLOWLIST_REGIONAL "*-"

struct paude_allowlist {
	bool unrestricted; /* "all": no proxy, domains is empty */
	/*
	 * What was asked for, normalised: aliases kept as words ("vertexai",
	 * "pypi"; "default" becomes those two), then custom entries, lower
	 * case, duplicates dropped. Suitable for the session's label and for
	 * parsing again (parse(requested) gives the same allowlist).
	 */
	struct paude_strvec requested;
	/*
	 * The expanded entries: sorted, unique, and with every entry covered by
	 * a ".x" entry removed (squid refuses a list where "x.com" or ".a.x.com"
	 * sits next to ".x.com"). Entries starting with PAUDE_ALLOWLIST_REGIONAL
	 * are patterns; all others are squid dstdomain entries.
	 */
	struct paude_strvec domains;
};
#define PAUDE_ALLOWLIST_INIT                                                                       \
	{                                                                                          \
		.requested = PAUDE_STRVEC_INIT, .domains = PAUDE_STRVEC_INIT                       \
	}

void paude_allowlist_init(struct paude_allowlist *al);
void paude_allowlist_release(struct paude_allowlist *al);

/*
 * Parse and expand the values of --allowed-domains (a NULL-terminated
 * array; NULL or empty means "default"). On failure returns PAUDE_EUSAGE
 * with a message naming the bad value, and *out is left untouched.
 * On success *out (initialised or released by the caller) is replaced.
 */
int paude_allowlist_parse(struct paude_allowlist *out, const char *const *values,
			  struct paude_error **err);

/*
 * Validate one custom entry (not an alias): PAUDE_EUSAGE with a message
 * that says what is wrong and how to write it instead.
 */
int paude_allowlist_check_domain(const char *value, struct paude_error **err);

/*
 * Validate one expanded entry: a domain as paude_allowlist_check_domain
 * says, or PAUDE_ALLOWLIST_REGIONAL followed by one.
 */
int paude_allowlist_check_entry(const char *entry, struct paude_error **err);

/*
 * The policy in words, appended to out: "unrestricted" for all, otherwise
 * the requested words joined with ", " ("vertexai, pypi", "pypi,
 * .example.com"). For stored labels that no longer parse (written by
 * another version), "custom (N entries)" or "unknown" rather than failing.
 */
void paude_allowlist_describe(struct paude_buf *out, const char *const *values);

/*
 * The requested word of al ("pypi", ".example.com") that lets host (lower
 * case, no leading dot) through the proxy's name check, "all" for an
 * unrestricted allowlist, NULL when none does. The returned string belongs
 * to al.
 */
const char *paude_allowlist_allowed_by(const struct paude_allowlist *al, const char *host);

/*
 * A policy changed after create (`paude network NAME --allow/--deny`).
 * current: the stored requested words; allow, deny: NULL-terminated values
 * with the syntax of --allowed-domains (commas, aliases, "default" for its
 * aliases). --deny removes the word itself and, for ".x.com", every custom
 * entry under it; --allow adds. On success *out (initialised by the caller)
 * is replaced by the new allowlist, *changed says whether it differs from
 * current, and notes (may be NULL) gets one line per value that changed
 * nothing ("'pypi' is already allowed"). PAUDE_EUSAGE, with *out and
 * *changed untouched, for: an invalid value; "all" on either side; a value
 * both allowed and denied; no value at all; an unrestricted current policy;
 * a denied name that would stay allowed through an alias or a wider entry
 * (the message names it); a change that would leave nothing allowed.
 */
int paude_allowlist_change(struct paude_allowlist *out, bool *changed, const char *const *current,
			   const char *const *allow, const char *const *deny,
			   struct paude_strvec *notes, struct paude_error **err);

#endif
