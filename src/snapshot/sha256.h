/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for the firmware hash recorded in snapshots. */
#ifndef VMXBOX_SNAPSHOT_SHA256_H
#define VMXBOX_SNAPSHOT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[32]);
void sha256(const void *data, size_t len, uint8_t out[32]);
/* Hash a whole file.  0, or -errno. */
int sha256_file(const char *path, uint8_t out[32]);
/* 64 hex digits + NUL. */
void sha256_hex(const uint8_t in[32], char out[65]);

#endif
