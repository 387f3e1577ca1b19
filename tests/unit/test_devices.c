// SPDX-License-Identifier: MIT
/* UART 16550 and debug-exit, driven through the port-I/O dispatch table. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "devices/debug_exit.h"
#include "devices/io_bus.h"
#include "devices/uart16550.h"

static struct io_bus pio;
static struct uart16550 uart;
static int pipefd[2];

static void uart_setup(void)
{
	/* As vmxbox run does: the teardown closes the read end while the
	 * serial writer thread of uart_blocked_output_kick_retry may still
	 * be in write() (it failed 1 run in 3 under ASan by SIGPIPE). */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(pipefd), 0);
	io_bus_init(&pio, "pio");
	uart16550_init(&uart, pipefd[1]);
	ck_assert_int_eq(uart16550_attach(&uart, &pio, 0x3f8), 0);
}

static void uart_teardown(void)
{
	uart16550_destroy(&uart);
	close(pipefd[0]);
	close(pipefd[1]);
}

static size_t drain(char *buf, size_t len)
{
	ssize_t n;

	ck_assert(uart16550_drain(&uart, 0));
	close(pipefd[1]);
	pipefd[1] = -1;

	n = read(pipefd[0], buf, len - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

START_TEST(uart_transmits_thr_writes)
{
	char out[64];

	for (const char *p = "hi\nyo"; *p; p++)
		io_bus_write(&pio, 0x3f8, 1, (uint8_t)*p);
	ck_assert_uint_eq(uart.bytes_out, 5);
	ck_assert_uint_eq(drain(out, sizeof(out)), 5);
	ck_assert_str_eq(out, "hi\nyo");
}
END_TEST

START_TEST(uart_lsr_always_ready)
{
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(io_bus_read(&pio, 0x3fd, 1), 0x60);
		io_bus_write(&pio, 0x3f8, 1, 'x');
	}
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0x01); /* IIR: none */
	io_bus_write(&pio, 0x3fa, 1, 0x07);                    /* FCR: FIFO on */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc1);
	ck_assert_uint_eq(io_bus_read(&pio, 0x3f8, 1), 0);    /* no input */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fe, 1), 0xb0); /* MSR */
	ck_assert_uint_eq(pio.unhandled_reads, 0);
}
END_TEST

START_TEST(uart_dlab_and_scratch)
{
	char out[16];

	io_bus_write(&pio, 0x3fb, 1, 0x83);        /* DLAB=1, 8N1 */
	io_bus_write(&pio, 0x3f8, 1, 0x0c);        /* DLL: 9600 baud */
	io_bus_write(&pio, 0x3f9, 1, 0x00);        /* DLM */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3f8, 1), 0x0c);
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fb, 1), 0x83);
	io_bus_write(&pio, 0x3fb, 1, 0x03);        /* DLAB=0 */
	io_bus_write(&pio, 0x3f9, 1, 0xff);        /* IER keeps 4 bits */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3f9, 1), 0x0f);
	io_bus_write(&pio, 0x3ff, 1, 0xa5);
	ck_assert_uint_eq(io_bus_read(&pio, 0x3ff, 1), 0xa5);
	/* A 2-byte write at THR sends the low byte and writes IER. */
	io_bus_write(&pio, 0x3f8, 2, 0x0141);
	ck_assert_uint_eq(io_bus_read(&pio, 0x3f9, 1), 0x01);
	ck_assert_uint_eq(drain(out, sizeof(out)), 1);    /* DLL write sent nothing */
	ck_assert_str_eq(out, "A");
}
END_TEST

/* The THR-empty interrupt (IER bit 1) on ISA line 4 through OUT2: Linux's
 * 8250 driver sends user-space output 16 bytes per interrupt. */
START_TEST(uart_thr_empty_interrupt)
{
	struct isa_irq irq;

	isa_irq_init(&irq, NULL, NULL);
	uart16550_set_irq(&uart, &irq, UART_COM1_IRQ);
	io_bus_write(&pio, 0x3fa, 1, 0x07);              /* FIFO on */
	io_bus_write(&pio, 0x3fc, 1, 0x0b);              /* DTR RTS OUT2 */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc1);
	ck_assert(!isa_irq_level(&irq, 4));
	/* Enabling it while THR is empty raises it... */
	io_bus_write(&pio, 0x3f9, 1, 0x02);
	ck_assert(isa_irq_level(&irq, 4));
	/* ...reading IIR that reports it clears it... */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc2);
	ck_assert(!isa_irq_level(&irq, 4));
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc1);
	/* ...and THR is empty again after every byte. */
	io_bus_write(&pio, 0x3f8, 1, 'x');
	ck_assert(isa_irq_level(&irq, 4));
	/* Disabled: no interrupt, IIR reports none and keeps it pending. */
	io_bus_write(&pio, 0x3f9, 1, 0x00);
	ck_assert(!isa_irq_level(&irq, 4));
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc1);
	io_bus_write(&pio, 0x3f9, 1, 0x02);
	ck_assert(isa_irq_level(&irq, 4));
	/* OUT2 off or loopback: the line is not driven. */
	io_bus_write(&pio, 0x3fc, 1, 0x03);
	ck_assert(!isa_irq_level(&irq, 4));
	io_bus_write(&pio, 0x3fc, 1, 0x1b);
	ck_assert(!isa_irq_level(&irq, 4));
	io_bus_write(&pio, 0x3fc, 1, 0x0b);
	ck_assert(isa_irq_level(&irq, 4));
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0xc2);
	ck_assert(!isa_irq_level(&irq, 4));
	/* FIFO off: IIR without the FIFO bits. */
	io_bus_write(&pio, 0x3fa, 1, 0x00);
	io_bus_write(&pio, 0x3f8, 1, 'y');
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0x02);
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0x01);
}
END_TEST

/* COM1 and COM3 share ISA line 4: a UART drives it only when its own
 * INTRPT changes, so the idle COM3's register accesses and output leave
 * COM1's request standing. */
START_TEST(uart_shared_line)
{
	struct isa_irq irq;
	struct uart16550 com3;
	struct io_bus pio3;

	isa_irq_init(&irq, NULL, NULL);
	io_bus_init(&pio3, "pio");
	uart16550_init(&com3, -1);
	ck_assert_int_eq(uart16550_attach(&com3, &pio3, 0x3e8), 0);
	uart16550_set_irq(&uart, &irq, UART_COM1_IRQ);
	uart16550_set_irq(&com3, &irq, 4);
	io_bus_write(&pio, 0x3fc, 1, 0x08);              /* COM1: OUT2, THRI */
	io_bus_write(&pio, 0x3f9, 1, 0x02);
	ck_assert(isa_irq_level(&irq, 4));
	io_bus_write(&pio3, 0x3ec, 1, 0x00);             /* COM3: MCR, IER, THR */
	io_bus_write(&pio3, 0x3e9, 1, 0x00);
	io_bus_write(&pio3, 0x3e8, 1, 'z');
	ck_assert_uint_eq(io_bus_read(&pio3, 0x3ea, 1), 0x01);
	ck_assert(isa_irq_level(&irq, 4));
	/* COM1's own change still drives it. */
	ck_assert_uint_eq(io_bus_read(&pio, 0x3fa, 1), 0x02);
	ck_assert(!isa_irq_level(&irq, 4));
	uart16550_destroy(&com3);
}
END_TEST

static int exits, last_status;

static void on_exit_cb(void *opaque, int status)
{
	exits++;
	last_status = status;
	ck_assert_ptr_eq(opaque, &pio);
}

static struct debug_exit dbg;

static void dbg_setup(enum debug_exit_mode mode)
{
	io_bus_init(&pio, "pio");
	exits = 0;
	last_status = -1;
	debug_exit_init(&dbg, mode, on_exit_cb, &pio);
	ck_assert_int_eq(debug_exit_attach(&dbg, &pio, 0xf4, 1), 0);
}

START_TEST(debug_exit_plain)
{
	dbg_setup(DEBUG_EXIT_PLAIN);
	io_bus_write(&pio, 0xf4, 1, 5);
	ck_assert_int_eq(exits, 1);
	ck_assert_int_eq(last_status, 5);
	ck_assert(dbg.fired);
	ck_assert_uint_eq(dbg.value, 5);
	io_bus_write(&pio, 0xf4, 1, 9);            /* later writes ignored */
	ck_assert_int_eq(exits, 1);
	ck_assert_int_eq(dbg.status, 5);
}
END_TEST

START_TEST(debug_exit_sizes)
{
	dbg_setup(DEBUG_EXIT_PLAIN);
	io_bus_write(&pio, 0xf4, 2, 0x1234);
	ck_assert_int_eq(last_status, 0x34);       /* 8-bit exit status */
	ck_assert_uint_eq(dbg.value, 0x1234);
	dbg_setup(DEBUG_EXIT_PLAIN);
	io_bus_write(&pio, 0xf4, 4, 0x80000000u);
	ck_assert_int_eq(last_status, 0);
	ck_assert_uint_eq(dbg.value, 0x80000000u);
	dbg_setup(DEBUG_EXIT_PLAIN);
	io_bus_write(&pio, 0xf5, 1, 3);            /* not the port */
	ck_assert_int_eq(exits, 0);
	ck_assert_uint_eq(pio.unhandled_writes, 1);
	ck_assert_uint_eq(io_bus_read(&pio, 0xf4, 1), 0xff);
}
END_TEST

/* QEMU's isa-debug-exit,iobase=0xf4,iosize=4: every port of the range. */
START_TEST(debug_exit_whole_range)
{
	for (unsigned port = 0xf4; port < 0xf8; port++) {
		io_bus_init(&pio, "pio");
		exits = 0;
		debug_exit_init(&dbg, DEBUG_EXIT_QEMU, on_exit_cb, &pio);
		ck_assert_int_eq(debug_exit_attach(&dbg, &pio, 0xf4, 4), 0);
		io_bus_write(&pio, port, 1, 3);
		ck_assert_int_eq(exits, 1);
		ck_assert_int_eq(last_status, 7);
	}
	io_bus_write(&pio, 0xf8, 1, 3);            /* past the range */
	ck_assert_uint_eq(pio.unhandled_writes, 1);
}
END_TEST

START_TEST(debug_exit_qemu)
{
	dbg_setup(DEBUG_EXIT_QEMU);
	io_bus_write(&pio, 0xf4, 1, 0);
	ck_assert_int_eq(last_status, 1);
	dbg_setup(DEBUG_EXIT_QEMU);
	io_bus_write(&pio, 0xf4, 4, 0x10);
	ck_assert_int_eq(last_status, 0x21);
	ck_assert_int_eq(debug_exit_status(DEBUG_EXIT_QEMU, 0x80), 1);
	ck_assert_int_eq(debug_exit_status(DEBUG_EXIT_PLAIN, 0x1ff), 0xff);
}
END_TEST

START_TEST(debug_exit_mode_names)
{
	enum debug_exit_mode m = DEBUG_EXIT_QEMU;

	ck_assert(debug_exit_parse_mode("plain", &m));
	ck_assert_int_eq(m, DEBUG_EXIT_PLAIN);
	ck_assert(debug_exit_parse_mode("qemu", &m));
	ck_assert_int_eq(m, DEBUG_EXIT_QEMU);
	ck_assert(!debug_exit_parse_mode("QEMU", &m));
	ck_assert(!debug_exit_parse_mode("", &m));
}
END_TEST

/* A reader that never reads: the ring fills, the writer is stuck in
 * write(); a kick makes a THR write ask for a retry (nothing counted), a
 * bounded drain gives up on time, and destroy does not wait for the
 * writer.  Everything queued before is intact in the pipe, in order. */
START_TEST(uart_blocked_output_kick_retry)
{
	struct timespec t0, t1;
	size_t queued = 0;
	uint64_t before;
	char buf[4096];
	ssize_t n;
	size_t got = 0;
	bool in_order = true;

	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	while (serial_out_pending(&uart.out) < SERIAL_OUT_RING) {
		ck_assert(io_bus_write(&pio, 0x3f8, 1, 'a' + queued % 26));
		queued++;
	}
	before = uart.bytes_out;
	uart16550_kick(&uart);
	ck_assert(!io_bus_write(&pio, 0x3f8, 1, '!'));
	ck_assert_uint_eq(uart.bytes_out, before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert(!uart16550_drain(&uart, 0.2));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_double_lt(t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9, 2.0);
	uart16550_destroy(&uart);
	uart16550_init(&uart, -1);   /* for the teardown */
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			in_order &= (size_t)buf[i] == 'a' + (got + (size_t)i) % 26;
		got += (size_t)n;
	}
	ck_assert(in_order);
	ck_assert_uint_gt(got, 0);
	ck_assert_uint_le(got, queued);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("devices");
	TCase *tu = tcase_create("uart");
	TCase *td = tcase_create("debug_exit");

	tcase_add_checked_fixture(tu, uart_setup, uart_teardown);
	tcase_add_test(tu, uart_transmits_thr_writes);
	tcase_add_test(tu, uart_lsr_always_ready);
	tcase_add_test(tu, uart_dlab_and_scratch);
	tcase_add_test(tu, uart_thr_empty_interrupt);
	tcase_add_test(tu, uart_shared_line);
	tcase_add_test(tu, uart_blocked_output_kick_retry);
	tcase_add_test(td, debug_exit_plain);
	tcase_add_test(td, debug_exit_sizes);
	tcase_add_test(td, debug_exit_qemu);
	tcase_add_test(td, debug_exit_whole_range);
	tcase_add_test(td, debug_exit_mode_names);
	suite_add_tcase(s, tu);
	suite_add_tcase(s, td);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
