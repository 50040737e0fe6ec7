/* SPDX-License-Identifier: MIT */
/*
 * Resource limits of a session: memory and disk sizes, CPU counts. They are
 * parsed from the user's words once, kept as numbers, and written back out
 * in each engine's own notation (podman "8g", Kubernetes "8Gi").
 */
#ifndef PAUDE_LIMITS_H
#define PAUDE_LIMITS_H

#include <stdint.h>
#include "paude/core/error.h"

/*
 * Defaults. The agent runs Claude Code (node, a few hundred MiB) next to
 * whatever it builds and tests: compilers, npm and pip installs, test
 * suites. 8 GiB holds a typical node or Python project's build with room
 * to spare; 2 CPUs keep a runaway loop from taking a laptop while builds
 * stay usable. The proxy is squid without a cache: tens of MiB.
 */
#define PAUDE_DEFAULT_MEMORY (8ull << 30)
#define PAUDE_DEFAULT_CPUS_MILLI 2000u
#define PAUDE_PROXY_MEMORY (256ull << 20)
#define PAUDE_PROXY_CPUS_MILLI 1000u

/* Bounds: below these a session cannot run; above, the value is a typo. */
#define PAUDE_MEMORY_MIN (64ull << 20)
#define PAUDE_MEMORY_MAX (1ull << 50)
#define PAUDE_DISK_MIN (64ull << 20)
#define PAUDE_DISK_MAX (1ull << 60)
#define PAUDE_CPUS_MILLI_MIN 10u
#define PAUDE_CPUS_MILLI_MAX 1024000u

/*
 * A size: a whole number with an optional binary unit k, m, g or t (any
 * case, optionally followed by "i" and/or "b": 512m, 8G, 8Gi, 10GiB), or
 * plain bytes. *out is untouched on failure (PAUDE_EUSAGE, naming what).
 */
int paude_size_parse(uint64_t *out, const char *s, const char *what, uint64_t min, uint64_t max,
		     struct paude_error **err);
/* Podman's notation, the largest exact unit: "8g", "512m", "100k", "123". Caller frees. */
char *paude_size_format(uint64_t bytes);
/* Kubernetes' quantity: "8Gi", "512Mi", "100Ki", "123". Caller frees. */
char *paude_size_format_kube(uint64_t bytes);

/*
 * A CPU count: a decimal number with up to three decimals ("2", "0.5",
 * "1.25"), kept in thousandths. PAUDE_EUSAGE otherwise, naming what.
 */
int paude_cpus_parse(unsigned *out_milli, const char *s, const char *what,
		     struct paude_error **err);
/* "2", "1.5", "0.25": podman's --cpus and the label. Caller frees. */
char *paude_cpus_format(unsigned milli);
/* Kubernetes' quantity: "2" or "1500m". Caller frees. */
char *paude_cpus_format_kube(unsigned milli);

#endif
