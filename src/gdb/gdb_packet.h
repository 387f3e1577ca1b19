/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol's framing (GDB manual, "Remote Protocol",
 * "Overview"): $payload#cs with cs the modulo-256 sum of the payload's
 * bytes in two hex digits; '}' escapes the next byte (XOR 0x20); '+' and
 * '-' acknowledge; a lone 0x03 interrupts the running target.
 *
 * The receiver is a byte-at-a-time state machine, so a socket can feed it
 * whatever read() returned, cut anywhere.  Bad input is never more than a
 * rejected packet: payloads longer than GDB_PACKET_MAX are read to their
 * end and reported as GDB_RX_TOO_LONG, garbage between packets is skipped.
 */
#ifndef VMXBOX_GDB_GDB_PACKET_H
#define VMXBOX_GDB_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest payload (after unescaping) taken in; advertised as PacketSize. */
#define GDB_PACKET_MAX 16384u
/* Largest reply payload (before escaping). */
#define GDB_REPLY_MAX (2u * GDB_PACKET_MAX + 64u)

enum gdb_rx_event {
	GDB_RX_NONE,         /* need more bytes */
	GDB_RX_PACKET,       /* a whole packet: rx->buf[0..len), NUL-ended */
	GDB_RX_BAD_CHECKSUM, /* a whole packet whose checksum is wrong */
	GDB_RX_TOO_LONG,     /* a whole packet, payload over GDB_PACKET_MAX */
	GDB_RX_INTERRUPT,    /* 0x03 outside a packet */
	GDB_RX_ACK,          /* '+' */
	GDB_RX_NACK,         /* '-': resend the last packet */
};

enum gdb_rx_state {
	GDB_RXS_IDLE,
	GDB_RXS_BODY,
	GDB_RXS_ESCAPE,
	GDB_RXS_CSUM1,
	GDB_RXS_CSUM2,
};

struct gdb_rx {
	enum gdb_rx_state state;
	uint8_t sum;          /* of the raw bytes between '$' and '#' */
	uint8_t csum_hi;      /* first checksum digit's value */
	bool bad_digit;       /* a checksum digit was not hex */
	bool overflow;        /* payload longer than GDB_PACKET_MAX */
	size_t len;
	uint8_t buf[GDB_PACKET_MAX + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feed one received byte; see enum gdb_rx_event. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/*
 * Frame payload[0..len) as $...#cs into out (escaping '$', '#', '}' and
 * '*').  Returns the frame's length, or 0 when it does not fit in cap
 * (2 * len + 4 always does).
 */
size_t gdb_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/* ---- payload helpers ---------------------------------------------------- */

int gdb_hex_digit(int c);   /* 0..15, or -1 */
/* Bytes as lowercase hex into out (2 * n chars + NUL); returns 2 * n. */
size_t gdb_hex_encode(const uint8_t *in, size_t n, char *out);
/* 2 * n hex chars into n bytes; false on a non-hex char. */
bool gdb_hex_decode(const char *in, size_t n, uint8_t *out);
/*
 * A hex number at *p (at least one digit, at most 16 significant ones);
 * advances *p past it.  False (and *p unchanged) when there is no digit
 * or the value does not fit in 64 bits.
 */
bool gdb_parse_hex(const char **p, uint64_t *v);
/* *p starts with c: skip it. */
bool gdb_skip(const char **p, char c);

#endif
