/* SPDX-License-Identifier: MIT */
/*
 * The FXSAVE legacy area (SDM Vol. 1 10.5.1 Table 10-2, Vol. 2A FXSAVE
 * Tables 3-43..3-47) and the XSAVE area built on it (Vol. 1 13.4), shared
 * by fxsave.c (FXSAVE/FXRSTOR) and xsave.c (XSAVE family).
 */
#ifndef VMXBOX_ENGINE_INTERP_FXAREA_H
#define VMXBOX_ENGINE_INTERP_FXAREA_H

#include "engine/interp/sys.h"

/* Byte offsets in the legacy area. */
enum {
	FXA_FCW = 0, FXA_FSW = 2, FXA_FTW = 4, FXA_FOP = 6,
	FXA_FIP = 8, FXA_FCS = 12,     /* 32-bit format: FIP[31:0], FCS */
	FXA_FDP = 16, FXA_FDS = 20,    /* 32-bit format: FDP[31:0], FDS */
	FXA_MXCSR = 24, FXA_MXCSR_MASK = 28,
	FXA_ST = 32, FXA_XMM = 160,
	FXA_SIZE = 512,
	XSA_XSTATE_BV = 512, XSA_XCOMP_BV = 520,
	XSA_SIZE = 576,                /* legacy area + header */
};

#define XCOMP_BV_COMPACTED (1ull << 63)
#define XFEATURE_X87 1ull
#define XFEATURE_SSE 2ull

/*
 * The memory operand of an FXSAVE/XSAVE-family instruction, translated
 * page by page before any access (a fault leaves memory and state
 * untouched): at most two pages for a 16-byte aligned area of 576 bytes.
 */
struct fx_area {
	uint64_t gpa[2];
	uint64_t lin[2];  /* ... their linear addresses (watchpoints) */
	unsigned first;   /* bytes of the area on the first page */
	unsigned kind;    /* ACC_READ (a restore) or ACC_WRITE (a save) */
};

/* Operand 0 of in: check its alignment (#GP(0) unless a multiple of
 * align), the segment for len bytes and translate it for kind
 * (ACC_READ / ACC_WRITE). */
void fx_area_map(struct interp *ip, const struct insn *in, unsigned align,
		 unsigned len, unsigned kind, struct fx_area *a);
/* The bytes the instruction reads or writes; each goes past the
 * debugger's watchpoints (debug.c) as an access of its own kind, except
 * a save's reads: they keep the bytes it must not change, and the
 * processor does not read them. */
void fx_area_read(struct interp *ip, const struct fx_area *a, unsigned off,
		  void *buf, unsigned len);
void fx_area_write(struct interp *ip, const struct fx_area *a, unsigned off,
		   const void *buf, unsigned len);

/* XMM registers the current mode saves and restores: 16 in 64-bit mode,
 * 8 outside it. */
unsigned fx_xmm_count(const struct interp *ip);

/* The x87 part of the legacy area (FCW..FDS and ST0-ST7 in ST(i) order),
 * 64-bit pointer format when rex_w; writes only its own fields. */
void fx_put_x87(const struct fpu_state *f, uint8_t *area, bool rex_w);
void fx_get_x87(struct fpu_state *f, const uint8_t *area, bool rex_w);
void fx_put_mxcsr(const struct fpu_state *f, uint8_t *area);
void fx_put_xmm(const struct fpu_state *f, uint8_t *area, unsigned n);
void fx_get_xmm(struct fpu_state *f, const uint8_t *area, unsigned n);
/* MXCSR from the area; #GP(0) if it sets a bit outside MXCSR_MASK. */
uint32_t fx_mxcsr_checked(struct interp *ip, const uint8_t *area);

/* The initial configuration of the x87 and SSE components (SDM Vol. 1
 * 13.6) and whether the state is in it (XINUSE, derived from content:
 * a component reported in use may be in its initial configuration, which
 * the SDM allows). */
void fx_init_x87(struct fpu_state *f);
bool fx_x87_in_use(const struct fpu_state *f);
bool fx_sse_in_use(const struct fpu_state *f);

#endif
