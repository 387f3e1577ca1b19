// SPDX-License-Identifier: MIT
/*
 * The SSE part of sse.elf, compiled with gcc's default x86-64 code
 * generation plus -O3 (guest-firmware/meson.build): scalar double and
 * float arithmetic, int <-> floating-point conversions, and loops gcc
 * vectorises (float saxpy, byte sums, dword min/max, a dot product).
 * Results are printed as integers and bit patterns (the runtime's printf
 * has no %f); tests/firmware/expected/sse.txt holds the values the same
 * code prints on the host.
 */
#include <stdint.h>

#include "printf.h"

#define N 1024

static float xs[N], ys[N];
static uint8_t bytes[N];
static int32_t ints[N];
static double ds[N];

static uint32_t f2u(float f)
{
	union { float f; uint32_t u; } c = { .f = f };

	return c.u;
}

static uint64_t d2u(double d)
{
	union { double d; uint64_t u; } c = { .d = d };

	return c.u;
}

__attribute__((noinline)) static double basel(int n)
{
	double s = 0;

	for (int k = 1; k <= n; k++)
		s += 1.0 / ((double)k * k);
	return s;
}

__attribute__((noinline)) static void saxpy(float a, float *y, const float *x, int n)
{
	for (int i = 0; i < n; i++)
		y[i] = a * x[i] + y[i];
}

__attribute__((noinline)) static uint32_t byte_sum(const uint8_t *b, int n)
{
	uint32_t s = 0;

	for (int i = 0; i < n; i++)
		s += b[i];
	return s;
}

__attribute__((noinline)) static void minmax(const int32_t *v, int n, int32_t *lo, int32_t *hi)
{
	int32_t a = v[0], b = v[0];

	for (int i = 1; i < n; i++) {
		a = v[i] < a ? v[i] : a;
		b = v[i] > b ? v[i] : b;
	}
	*lo = a;
	*hi = b;
}

__attribute__((noinline)) static double dot(const double *a, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * a[i];
	return s;
}

static uint32_t mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

void sse_work(void)
{
	uint32_t seed = 12345, fsum = 0;
	int32_t lo, hi;
	double b;

	printf("sse: mxcsr at start 0x%x\n", mxcsr());
	b = basel(100000);
	printf("sse: basel(100000) bits 0x%lx, x1e9 = %ld\n", d2u(b),
	       (long)(b * 1e9));
	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		xs[i] = (float)(seed >> 8) / 65536.0f;
		ys[i] = (float)i * 0.25f - 100.0f;
		bytes[i] = (uint8_t)(seed >> 16);
		ints[i] = (int32_t)seed;
		ds[i] = (double)(int32_t)seed / 3.0;
	}
	saxpy(1.5f, ys, xs, N);
	for (int i = 0; i < N; i++)
		fsum = fsum * 31 + f2u(ys[i]);
	printf("sse: saxpy hash 0x%x, y[7] bits 0x%x, (int)y[1000] = %d\n",
	       fsum, f2u(ys[7]), (int)ys[1000]);
	printf("sse: byte sum %u\n", byte_sum(bytes, N));
	minmax(ints, N, &lo, &hi);
	printf("sse: min %d max %d\n", lo, hi);
	printf("sse: dot bits 0x%lx\n", d2u(dot(ds, N)));
	printf("sse: conversions %ld %d 0x%x %ld\n", (long)-2.5e10, (int)(float)-7.75,
	       f2u((float)(1.0 / 3.0)), (long)(double)(1ll << 53) + 1);
	printf("sse: mxcsr at end 0x%x\n", mxcsr());
}
