// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the GDB stub's protocol side (src/gdb/): the input is
 * the byte stream gdb would send (packets, acks, ^C, garbage), fed to a
 * stub over a fake two-vCPU target with 4 KiB of memory, in chunks the
 * input itself picks.  A resume is answered with a stop after the next
 * chunk.  Property: no crash, no sanitizer report; every byte the stub
 * sends is an ack or a whole well-formed frame (right checksum, payload
 * within GDB_REPLY_MAX).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/gdb_packet.h"
#include "gdb/gdb_stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_BASE 0x1000u
#define MEM_SIZE 4096u

static struct cpu_state cpus[2];
static uint8_t mem[MEM_SIZE];
static struct gdb_rx *check_rx;
static bool resumed;

static void die(const char *what)
{
	fprintf(stderr, "gdb_fuzz: %s\n", what);
	abort();
}

static unsigned f_nr(void *t) { return 2; }

static bool f_get(void *t, unsigned cpu, struct cpu_state *s)
{
	if (cpu >= 2)
		die("vCPU index out of range");
	*s = cpus[cpu];
	return true;
}

static bool f_set(void *t, unsigned cpu, const struct cpu_state *s)
{
	if (cpu >= 2)
		die("vCPU index out of range");
	cpus[cpu] = *s;
	return true;
}

static size_t f_rw(uint64_t a, uint8_t *buf, const uint8_t *in, size_t n)
{
	size_t k = 0;

	for (; k < n && a + k >= MEM_BASE && a + k < MEM_BASE + MEM_SIZE; k++) {
		if (buf)
			buf[k] = mem[a + k - MEM_BASE];
		else
			mem[a + k - MEM_BASE] = in[k];
	}
	return k;
}

static size_t f_read(void *t, unsigned cpu, uint64_t a, uint8_t *b, size_t n)
{
	return f_rw(a, b, NULL, n);
}

static size_t f_write(void *t, unsigned cpu, uint64_t a, const uint8_t *b,
		      size_t n)
{
	return f_rw(a, NULL, b, n);
}

static int f_bp(void *t, bool insert, enum gdb_bp_type type, uint64_t addr,
		uint64_t len)
{
	if (type > GDB_WP_ACCESS)
		die("breakpoint type out of range");
	return addr & 1 ? -1 : 0;
}

static bool f_resume(void *t, unsigned cpu, enum gdb_resume how)
{
	if (cpu >= 2)
		die("resume of a vCPU out of range");
	resumed = true;
	return true;
}

static void f_monitor(void *t, const char *cmd, char *out, size_t len)
{
	snprintf(out, len, "%s", cmd);
}

static bool f_can_reverse(void *t) { return true; }

static const struct gdb_target_ops ops = {
	.nr_cpus = f_nr, .get_state = f_get, .set_state = f_set,
	.read_mem = f_read, .write_mem = f_write, .breakpoint = f_bp,
	.resume = f_resume, .monitor = f_monitor, .can_reverse = f_can_reverse,
};

/* Every frame the stub sends must parse back as one whole packet. */
static void f_send(void *opaque, const uint8_t *buf, size_t len)
{
	if (len == 1 && (buf[0] == '+' || buf[0] == '-'))
		return;
	if (len < 4 || buf[0] != '$' || len > 2 * GDB_REPLY_MAX + 4)
		die("sent something that is not a frame");
	gdb_rx_init(check_rx);
	for (size_t i = 0; i < len; i++) {
		enum gdb_rx_event ev = gdb_rx_byte(check_rx, buf[i]);

		if ((i + 1 < len) != (ev == GDB_RX_NONE))
			die("a frame that is cut or has a bad checksum");
		if (i + 1 == len && ev != GDB_RX_PACKET && ev != GDB_RX_TOO_LONG)
			die("a frame with a bad checksum");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gdb_stub *st;
	size_t off = 0;

	if (!check_rx && !(check_rx = malloc(sizeof(*check_rx))))
		die("out of memory");
	memset(cpus, 0, sizeof(cpus));
	memset(mem, 0x5a, sizeof(mem));
	resumed = false;
	st = gdb_stub_new(&ops, NULL, f_send, NULL);
	if (!st)
		die("out of memory");
	for (unsigned k = 0; off < size; k++) {
		size_t chunk = 1 + data[(k * 13) % size] % 97;

		if (chunk > size - off)
			chunk = size - off;
		gdb_stub_input(st, data + off, chunk);
		off += chunk;
		if (resumed) {
			struct gdb_stop stop = {
				.kind = (enum gdb_stop_kind)(k % 5),
				.cpu = k % 2, .watch_type = GDB_WP_WRITE,
				.addr = off,
			};

			resumed = false;
			gdb_stub_stopped(st, &stop);
		}
	}
	gdb_stub_free(st);
	return 0;
}
