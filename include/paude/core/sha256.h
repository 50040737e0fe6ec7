/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), for content hashes such as image cache tags. Not
 * constant-time and not meant for secrets; it only needs to be correct.
 */
#ifndef PAUDE_SHA256_H
#define PAUDE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PAUDE_SHA256_LEN 32
#define PAUDE_SHA256_HEX_LEN 64

struct paude_sha256 {
	uint32_t state[8];
	uint64_t total; /* bytes fed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void paude_sha256_init(struct paude_sha256 *h);
void paude_sha256_update(struct paude_sha256 *h, const void *data, size_t n);
/* Write the digest; h must be initialised again before reuse. */
void paude_sha256_final(struct paude_sha256 *h, uint8_t out[PAUDE_SHA256_LEN]);
/* Same, as 64 lower-case hex digits and a NUL. */
void paude_sha256_final_hex(struct paude_sha256 *h, char out[PAUDE_SHA256_HEX_LEN + 1]);
/* One-shot helper. */
void paude_sha256_hex(const void *data, size_t n, char out[PAUDE_SHA256_HEX_LEN + 1]);

#endif
