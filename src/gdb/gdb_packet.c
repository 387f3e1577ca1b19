// SPDX-License-Identifier: MIT
#include "gdb/gdb_packet.h"

#include <string.h>

void gdb_rx_init(struct gdb_rx *rx)
{
	rx->state = GDB_RXS_IDLE;
	rx->len = 0;
	rx->buf[0] = 0;
}

static void rx_start(struct gdb_rx *rx)
{
	rx->state = GDB_RXS_BODY;
	rx->sum = 0;
	rx->len = 0;
	rx->overflow = false;
	rx->bad_digit = false;
}

static void rx_put(struct gdb_rx *rx, uint8_t c)
{
	if (rx->len < GDB_PACKET_MAX)
		rx->buf[rx->len++] = c;
	else
		rx->overflow = true;
}

static enum gdb_rx_event rx_idle(struct gdb_rx *rx, uint8_t c)
{
	switch (c) {
	case '$':
		rx_start(rx);
		return GDB_RX_NONE;
	case '+':
		return GDB_RX_ACK;
	case '-':
		return GDB_RX_NACK;
	case 0x03:
		return GDB_RX_INTERRUPT;
	default:
		return GDB_RX_NONE;   /* noise between packets */
	}
}

/* The second checksum digit: the packet is complete. */
static enum gdb_rx_event rx_done(struct gdb_rx *rx, uint8_t c)
{
	int lo = gdb_hex_digit(c);

	rx->state = GDB_RXS_IDLE;
	rx->buf[rx->len] = 0;
	if (rx->overflow)
		return GDB_RX_TOO_LONG;
	if (lo < 0 || rx->bad_digit ||
	    (uint8_t)(rx->csum_hi << 4 | lo) != rx->sum)
		return GDB_RX_BAD_CHECKSUM;
	return GDB_RX_PACKET;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int d;

	switch (rx->state) {
	case GDB_RXS_IDLE:
		return rx_idle(rx, c);
	case GDB_RXS_BODY:
		if (c == '#') {
			rx->state = GDB_RXS_CSUM1;
			return GDB_RX_NONE;
		}
		if (c == '$') {     /* a new start: the old packet was cut */
			rx_start(rx);
			return GDB_RX_NONE;
		}
		rx->sum += c;
		if (c == '}')
			rx->state = GDB_RXS_ESCAPE;
		else
			rx_put(rx, c);
		return GDB_RX_NONE;
	case GDB_RXS_ESCAPE:
		rx->sum += c;
		rx_put(rx, c ^ 0x20);
		rx->state = GDB_RXS_BODY;
		return GDB_RX_NONE;
	case GDB_RXS_CSUM1:
		d = gdb_hex_digit(c);
		rx->bad_digit = d < 0;
		rx->csum_hi = d < 0 ? 0 : (uint8_t)d;
		rx->state = GDB_RXS_CSUM2;
		return GDB_RX_NONE;
	case GDB_RXS_CSUM2:
		return rx_done(rx, c);
	}
	rx->state = GDB_RXS_IDLE;
	return GDB_RX_NONE;
}

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

static const char hexdig[] = "0123456789abcdef";

size_t gdb_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t o = 0;
	uint8_t sum = 0;

	if (cap < 4)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = payload[i];

		if (o + 2 + 3 > cap)
			return 0;
		if (needs_escape(c)) {
			out[o++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[o++] = c;
		sum += c;
	}
	if (o + 3 > cap)
		return 0;
	out[o++] = '#';
	out[o++] = (uint8_t)hexdig[sum >> 4];
	out[o++] = (uint8_t)hexdig[sum & 15];
	return o;
}

int gdb_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = 0;
	return 2 * n;
}

bool gdb_hex_decode(const char *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hex_digit((unsigned char)in[2 * i]);
		int lo = hi < 0 ? -1 : gdb_hex_digit((unsigned char)in[2 * i + 1]);

		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool gdb_parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	if (gdb_hex_digit((unsigned char)*s) < 0)
		return false;
	while ((d = gdb_hex_digit((unsigned char)*s)) >= 0) {
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)d;
		s++;
	}
	*v = x;
	*p = s;
	return true;
}

bool gdb_skip(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}
