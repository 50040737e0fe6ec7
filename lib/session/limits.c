/* SPDX-License-Identifier: MIT */
/* Parsing and writing resource limits (include/paude/session/limits.h). */
#include <ctype.h>
#include <string.h>
#include "paude/session/limits.h"
#include "paude/core/buf.h"
#include "core/banned.h"

static int
bad_size(const char *s, const char *what, struct paude_error **err)
{
	return paude_error_set(err, PAUDE_EUSAGE, 0,
			       "invalid %s '%s' (write a whole number with an optional unit k, "
			       "m, g or t, such as 8g or 512m)",
			       what, s);
}

int
paude_size_parse(uint64_t *out, const char *s, const char *what, uint64_t min, uint64_t max,
		 struct paude_error **err)
{
	if (!s)
		s = "";
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 19)
		return bad_size(s, what, err);
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	const char *u = s + n;
	unsigned shift = 0;
	switch (tolower((unsigned char)*u)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	case 'b':
	case '\0':
		break;
	default:
		return bad_size(s, what, err);
	}
	if (shift) {
		u++;
		if (*u == 'i' || *u == 'I')
			u++;
	}
	if (*u == 'b' || *u == 'B')
		u++;
	if (*u)
		return bad_size(s, what, err);
	if (v > (UINT64_MAX >> shift))
		v = UINT64_MAX;
	else
		v <<= shift;
	if (v < min || v > max) {
		_cleanup_free_ char *lo = paude_size_format(min);
		_cleanup_free_ char *hi = paude_size_format(max);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid %s '%s' (it must be between %s and %s)", what, s,
				       lo, hi);
	}
	*out = v;
	return 0;
}

static char *
size_format(uint64_t bytes, const char *const units[4])
{
	static const unsigned shifts[4] = { 40, 30, 20, 10 };
	for (size_t i = 0; bytes && i < 4; i++) {
		uint64_t mask = ((uint64_t)1 << shifts[i]) - 1;
		if ((bytes & mask) == 0)
			return paude_xasprintf("%llu%s", (unsigned long long)(bytes >> shifts[i]),
					       units[i]);
	}
	return paude_xasprintf("%llu", (unsigned long long)bytes);
}

char *
paude_size_format(uint64_t bytes)
{
	static const char *const units[4] = { "t", "g", "m", "k" };
	return size_format(bytes, units);
}

char *
paude_size_format_kube(uint64_t bytes)
{
	static const char *const units[4] = { "Ti", "Gi", "Mi", "Ki" };
	return size_format(bytes, units);
}

int
paude_cpus_parse(unsigned *out_milli, const char *s, const char *what, struct paude_error **err)
{
	if (!s)
		s = "";
	size_t n = strspn(s, "0123456789");
	unsigned long v = 0;
	if (n > 7)
		goto bad;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	v *= 1000;
	const char *p = s + n;
	if (*p == '.') {
		p++;
		size_t d = strspn(p, "0123456789");
		if (d == 0 || d > 3)
			goto bad;
		unsigned long frac = 0;
		for (size_t i = 0; i < 3; i++)
			frac = frac * 10 + (i < d ? (unsigned long)(p[i] - '0') : 0);
		v += frac;
		p += d;
	} else if (n == 0) {
		goto bad;
	}
	if (*p)
		goto bad;
	if (v < PAUDE_CPUS_MILLI_MIN || v > PAUDE_CPUS_MILLI_MAX)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid %s '%s' (it must be between 0.01 and %u)", what, s,
				       PAUDE_CPUS_MILLI_MAX / 1000);
	*out_milli = (unsigned)v;
	return 0;
bad:
	return paude_error_set(err, PAUDE_EUSAGE, 0,
			       "invalid %s '%s' (write a number such as 2 or 0.5)", what, s);
}

char *
paude_cpus_format(unsigned milli)
{
	if (milli % 1000 == 0)
		return paude_xasprintf("%u", milli / 1000);
	unsigned frac = milli % 1000;
	/* Trailing zeros off: 1.500 -> 1.5. */
	if (frac % 100 == 0)
		return paude_xasprintf("%u.%u", milli / 1000, frac / 100);
	if (frac % 10 == 0)
		return paude_xasprintf("%u.%02u", milli / 1000, frac / 10);
	return paude_xasprintf("%u.%03u", milli / 1000, frac);
}

char *
paude_cpus_format_kube(unsigned milli)
{
	if (milli % 1000 == 0)
		return paude_xasprintf("%u", milli / 1000);
	return paude_xasprintf("%um", milli);
}
