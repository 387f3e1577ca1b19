// SPDX-License-Identifier: MIT
/*
 * Is the instruction at CS:RIP a MOV to CR4 that sets CR4.VMXE?  Used after
 * KVM reports a shutdown: KVM raises #GP for CR4.VMXE (no nested VMX), and
 * with no usable #GP handler the guest triple-faults with RIP still at the
 * MOV (faults leave RIP at the faulting instruction, SDM 6.5).  Reads guest
 * memory through the guest's own page tables (SDM 4.3, 4.4, 4.5).
 */
#include "engine/kvm/kvm_eng.h"

#define PTE_P    1ull
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

static bool read_pte(const struct guest_mem *m, uint64_t pa, unsigned size,
		     uint64_t *pte)
{
	uint32_t v32;

	if (size == 4) {
		if (!gmem_read_u32(m, pa, &v32))
			return false;
		*pte = v32;
	} else if (!gmem_read_u64(m, pa, pte)) {
		return false;
	}
	return (*pte & PTE_P) != 0;
}

/* 4-level (IA-32e) and PAE walks: 9 index bits a level, 8-byte entries. */
static bool walk64(const struct guest_mem *m, uint64_t table, uint64_t lin,
		   int top_shift, uint64_t *pa)
{
	uint64_t pte;

	for (int shift = top_shift; shift >= 12; shift -= 9) {
		unsigned idx = (unsigned)(lin >> shift) & 511;

		if (!read_pte(m, (table & PTE_ADDR) + 8ull * idx, 8, &pte))
			return false;
		if (shift == 12 || ((pte & PTE_PS) && shift <= 30)) {
			uint64_t mask = (1ull << shift) - 1;

			*pa = (pte & PTE_ADDR & ~mask) | (lin & mask);
			return true;
		}
		table = pte;
	}
	return false;
}

static bool walk32(const struct guest_mem *m, const struct cpu_state *s,
		   uint64_t lin, uint64_t *pa)
{
	uint64_t pde, pte;

	if (!read_pte(m, (s->cr3 & 0xfffff000u) + 4 * ((lin >> 22) & 1023), 4, &pde))
		return false;
	if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
		*pa = (pde & 0xffc00000u) | (lin & 0x3fffff);
		return true;
	}
	if (!read_pte(m, (pde & 0xfffff000u) + 4 * ((lin >> 12) & 1023), 4, &pte))
		return false;
	*pa = (pte & 0xfffff000u) | (lin & 0xfff);
	return true;
}

static bool translate(const struct cpu_state *s, const struct guest_mem *m,
		      uint64_t lin, uint64_t *pa)
{
	uint64_t pdpte;

	if (!(s->cr0 & CR0_PG)) {
		*pa = lin & 0xffffffffu;
		return true;
	}
	if (s->efer & EFER_LMA)
		return walk64(m, s->cr3, lin, 39, pa);
	if (s->cr4 & CR4_PAE) {
		if (!read_pte(m, (s->cr3 & 0xffffffe0u) + 8 * ((lin >> 30) & 3),
			      8, &pdpte))
			return false;
		return walk64(m, pdpte, lin, 21, pa);
	}
	return walk32(m, s, lin, pa);
}

static bool fetch(const struct cpu_state *s, const struct guest_mem *m,
		  uint8_t *buf, unsigned len)
{
	bool mode64 = cpu_64bit_mode(s);
	uint64_t pa;

	for (unsigned i = 0; i < len; i++) {
		uint64_t lin = mode64 ? s->rip + i
				      : (s->seg[SEG_CS].base + s->rip + i) & 0xffffffffu;

		if (!translate(s, m, lin, &pa) || !gmem_read_u8(m, pa, &buf[i]))
			return false;
	}
	return true;
}

static bool legacy_prefix(uint8_t b)
{
	static const uint8_t p[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3,
				     0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

	for (unsigned i = 0; i < sizeof(p); i++)
		if (p[i] == b)
			return true;
	return false;
}

bool kvm_insn_sets_vmxe(const struct cpu_state *s, const struct guest_mem *mem)
{
	uint8_t b[15];
	unsigned i = 0, rex = 0;
	uint64_t v;

	if (s->cr4 & CR4_VMXE || !fetch(s, mem, b, sizeof(b)))
		return false;
	while (i < 14 && legacy_prefix(b[i]))
		i++;
	if (cpu_64bit_mode(s) && i < 14 && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	/* MOV CR4, r (0F 22 /r, reg = 4; ModRM.mod is ignored, SDM Vol. 2B). */
	if (i + 2 >= sizeof(b) || b[i] != 0x0f || b[i + 1] != 0x22)
		return false;
	if (((b[i + 2] >> 3) & 7) != 4 || (rex & 4))
		return false;
	v = s->gpr[(b[i + 2] & 7) | ((rex & 1) << 3)];
	if (!cpu_64bit_mode(s))
		v &= 0xffffffffu;
	return (v & CR4_VMXE) != 0;
}

bool kvm_insn_is_hlt(const struct cpu_state *s, const struct guest_mem *mem)
{
	uint8_t b;

	return fetch(s, mem, &b, 1) && b == 0xf4;
}
