// SPDX-License-Identifier: MIT
/*
 * System-level difftest (issue 13): the PC test kernel with "cpu" on its
 * command line provokes exceptions with error codes, paging rules,
 * privilege changes, task switches, virtual-8086 mode and x87/SSE state
 * and prints one line per case: first in 32-bit protected mode
 * (tests/pc/kernel/cpu32*.c, "cpu32" lines), then in 64-bit mode
 * (tests/pc/kernel/cpu.c, "cpu" lines).  Without argument the run on
 * vmxbox-qemu must print exactly the lines below (the SDM's answers,
 * "cpux"/"cpu32x" lines too); with "qemu" the same command line runs on
 * QEMU (TCG) and every "cpu" and "cpu32" line must be the same on both.
 * The "cpux"/"cpu32x" lines hold exactly the bits where QEMU 7.2 is known
 * wrong (docs/cpu-model.md, "System difftest").
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_run.h"
#include "pc_compare.h"

static const char *const expected[] = {
	"cpu32 start",
	"cpu32 features pse=1 pae=1 sep=1 fxsr=1 nx=1",
	"cpu32 pf_not_present vec=0xe err=0x0 cr2=0x10000000",
	"cpu32 pf_write_ro_wp1 vec=0xe err=0x3 cr2=0x10001000",
	"cpu32 pf_write_4m_ro_wp1 vec=0xe err=0x3 cr2=0x10401000",
	"cpu32 write_ro_wp0 none",
	"cpu32 write_ro_wp0_value byte=0x1",
	"cpu32 pf_rsvd_4m vec=0xe err_without_p=0x8 cr2=0x10800000",
	"cpu32x pf_rsvd_4m err=0x9",
	"cpu32 accessed_after_read pte=0x20 pde=0x20 pde_4m=0x20",
	"cpu32 dirty_after_write pte=0x60 pde=0x20 pde_4m=0x60",
	"cpu32 user_read_supervisor vec=0xe err=0x5 cr2=0x10004000 cs=0x1b eip_off=0x0",
	"cpu32 user_write_ro vec=0xe err=0x7 cr2=0x10003000 cs=0x1b eip_off=0x0",
	"cpu32 user_read_ro vec=0x6 err=0x0 cs=0x1b eip_off=0x5",
	"cpu32 user_write_ro_wp0 vec=0xe err=0x7 cr2=0x10003000 cs=0x1b eip_off=0x0",
	"cpu32 pse0_ps_ignored vec=0xe err=0x0 cr2=0x10400000",
	"cpu32 pae_pf_not_present vec=0xe err=0x0 cr2=0x10000000",
	"cpu32 pae_pf_write_2m_ro_wp1 vec=0xe err=0x3 cr2=0x10201000",
	"cpu32 pae_pf_fetch_nx vec=0xe err=0x11 cr2=0x10002000",
	"cpu32 pae_read_nx none",
	"cpu32 pae_pf_rsvd_bit51 vec=0xe err_without_p=0x8 cr2=0x10003000",
	"cpu32x pae_pf_rsvd_bit51 err=0x9",
	"cpu32 pae_pf_xd_without_nxe vec=0xe err_without_p=0x8 cr2=0x10002000",
	"cpu32x pae_pf_xd_without_nxe err=0x9",
	"cpu32x pae_pf_rsvd_bit62 vec=0xe err=0x9 cr2=0x10004000",
	"cpu32 pae_accessed_after_read pde_2m=0x20",
	"cpu32 pae_dirty_after_write pde_2m=0x60",
	"cpu32x pae_pdpte_rsvd_mov_cr3 vec=0xd err=0x0",
	"cpu32x pae_pdpte_cached none",
	"cpu32 pae_pdpte_not_present vec=0xe err=0x0 cr2=0x40000000",
	"cpu32 seg_limit_ok none",
	"cpu32x seg_limit_gp vec=0xd err=0x0",
	"cpu32x seg_limit_crossing vec=0xd err=0x0",
	"cpu32 seg_expdown_ok none",
	"cpu32x seg_expdown_gp vec=0xd err=0x0",
	"cpu32x seg_expdown_ss vec=0xc err=0x0",
	"cpu32 seg_expdown_ss_push none",
	"cpu32 seg_expdown16_ok none",
	"cpu32x seg_expdown16_gp vec=0xd err=0x0",
	"cpu32 seg_null_ds none",
	"cpu32x seg_null_ds_use vec=0xd err=0x0",
	"cpu32 seg_null_ss vec=0xd err=0x0",
	"cpu32 seg_np_ds vec=0xb err=0x80",
	"cpu32 seg_np_ss vec=0xc err=0x80",
	"cpu32 seg_xonly_ds vec=0xd err=0x88",
	"cpu32 seg_code_ds_read none",
	"cpu32x seg_code_ds_write vec=0xd err=0x0",
	"cpu32 seg_ro_ss vec=0xd err=0x90",
	"cpu32x seg_ro_write vec=0xd err=0x0",
	"cpu32 seg_beyond_gdt vec=0xd err=0x1238",
	"cpu32 seg_ldt_no_ldtr vec=0xd err=0xc",
	"cpu32 seg_rpl3_dpl0 vec=0xd err=0x10",
	"cpu32 seg_ss_dpl3 vec=0xd err=0x20",
	"cpu32 seg_ss_system vec=0xd err=0xa0",
	"cpu32 seg_jmp_data vec=0xd err=0x10",
	"cpu32 lar_lsl sel=0x0 lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0x8 lar_zf=1 ar=0xc09b00 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x10 lar_zf=1 ar=0xc09300 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x1b lar_zf=1 ar=0xc0fb00 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x23 lar_zf=1 ar=0xc0f300 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x28 lar_zf=1 ar=0x8b00 lsl_zf=1 limit=0x20ff verr=0 verw=0",
	"cpu32 lar_lsl sel=0x50 lar_zf=1 ar=0x10ec00 lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0x60 lar_zf=1 ar=0xc09f00 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x63 lar_zf=1 ar=0xc09f00 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x68 lar_zf=1 ar=0x409300 lsl_zf=1 limit=0xfff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x70 lar_zf=1 ar=0x409700 lsl_zf=1 limit=0xfff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x80 lar_zf=1 ar=0xc01300 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x88 lar_zf=1 ar=0xc09900 lsl_zf=1 limit=0xffffffff verr=0 verw=0",
	"cpu32 lar_lsl sel=0x90 lar_zf=1 ar=0xc09100 lsl_zf=1 limit=0xffffffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0x98 lar_zf=1 ar=0x9b00 lsl_zf=1 limit=0xffff verr=1 verw=0",
	"cpu32 lar_lsl sel=0xa0 lar_zf=1 ar=0x8200 lsl_zf=1 limit=0xfff verr=0 verw=0",
	"cpu32 lar_lsl sel=0xa8 lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0xb0 lar_zf=1 ar=0x8500 lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0xb8 lar_zf=1 ar=0x40f300 lsl_zf=1 limit=0x12345 verr=1 verw=0",
	"cpu32 lar_lsl sel=0x13 lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0xb lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0x2b lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0x1238 lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32 lar_lsl sel=0xc lar_zf=0 ar=0xdeadbeef lsl_zf=0 limit=0xdeadbeef verr=0 verw=0",
	"cpu32x lar_all hash=0xa569eebc",
	"cpu32 arpl dest=0x10 src=0x1b result=0x13 zf=1",
	"cpu32 arpl dest=0x13 src=0x18 result=0x13 zf=0",
	"cpu32 arpl dest=0x12 src=0x12 result=0x12 zf=0",
	"cpu32 arpl dest=0xfff1 src=0x3 result=0xfff3 zf=1",
	"cpu32 bound_in none",
	"cpu32 bound_above vec=0x5 err=0x0",
	"cpu32 bound_below vec=0x5 err=0x0",
	"cpu32 bound16_in none",
	"cpu32 bound16_below vec=0x5 err=0x0",
	"cpu32 code16_far_call eax=0x12346789 bx=0x6789 push_size=0x2",
	"cpu32 callgate_call vec=0x6 err=0x0 cs=0x1b eip_off=0x23 gate_cs=0x8 gate_ss=0x10 inner_depth=0x18 ret_eip_off=0x17 ret_cs=0x1b param0=0x22222222 param1=0x11111111 outer_esp_off=0x8 outer_ss=0x23",
	"cpu32 callgate_ret_far esp_popped=0x8 cs=0x1b",
	"cpu32 callgate_jmp_nonconforming vec=0xd err=0x8 cs=0x1b eip_off=0x0",
	"cpu32 callgate_dpl0_from_ring3 vec=0xd err=0x58 cs=0x1b eip_off=0x0",
	"cpu32 call_far_ring0_from_ring3 vec=0xd err=0x8 cs=0x1b eip_off=0x0",
	"cpu32 callgate_jmp_ring0 vec=0x200 err=0x8 cs=0x8 esp_moved=0x0",
	"cpu32 conforming_call vec=0x6 err=0x0 cs=0x1b eip_off=0xd conf_cs=0x63 cs_after=0x1b",
	"cpu32 int_gate_from_ring3 vec=0x40 err=0x0 cs=0x1b eip_off=0x2 eflags=0x202 handler_if=0x0 ss=0x23 esp_off=0x0",
	"cpu32 trap_gate_from_ring3 vec=0x41 err=0x0 cs=0x1b eip_off=0x2 eflags=0x202 handler_if=0x200 ss=0x23 esp_off=0x0",
	"cpu32 int_dpl0_from_ring3 vec=0xd err=0x21a cs=0x1b eip_off=0x0",
	"cpu32 int_not_present vec=0xb err=0x222 cs=0x1b eip_off=0x0",
	"cpu32 iret_to_ring3_nulls_ds vec=0x6 err=0x0 ds=0x0 es=0x0 ss=0x23 esp_off=0x0",
	"cpu32 sysenter_sysexit vec=0x6 err=0x0 cs=0x1b eip_off=0x22 se_cs=0x8 se_ss=0x10 se_esp_off=0x0 se_eflags=0x2 user_cs=0x1b user_ss=0x23 user_esp_off=0x0 user_eflags=0x2",
	"cpu32 sysexit_at_cpl3 vec=0xd err=0x0 cs=0x1b eip_off=0x0",
	"cpu32 sysenter_cs0 vec=0xd err=0x0 cs=0x1b eip_off=0x7",
	"cpu32 sysexit_cs0 vec=0xd err=0x0",
	"cpu32 task_jmp none",
	"cpu32 task_jmp_in_b tr=0x30 eax=0xb0000001 ecx=0xb0000002 edx=0xb0000003 ebx=0xb0000004 esp_off=0x0 ebp=0xb0000006 esi=0xb0000007 edi=0xb0000008 eflags=0x46 cs=0x8 ss=0x10 ds=0x10 fs=0x23 a_busy=0x0 b_busy=0x1",
	"cpu32 task_jmp_back eip_off=0x0 eax=0xa0000001 ecx=0xa0000002 ebx=0xa0000004 ebp=0xa0000006 edi=0xa0000008 eflags=0x16 b_busy=0x0 b_link=0x0 b_eflags=0x46 b_eax=0xb000008b",
	"cpu32 task_call none",
	"cpu32 task_call_in_b tr=0x30 eax=0xb0000001 ecx=0xb0000002 edx=0xb0000003 ebx=0xb0000004 esp_off=0x0 ebp=0xb0000006 esi=0xb0000007 edi=0xb0000008 eflags=0x4046 cs=0x8 ss=0x10 ds=0x10 fs=0x23 a_busy=0x1 b_busy=0x1",
	"cpu32 task_call_back eip_off=0x0 eax=0xa0000001 ecx=0xa0000002 ebx=0xa0000004 ebp=0xa0000006 edi=0xa0000008 eflags=0x16 b_busy=0x0 b_link=0x28 b_eflags=0x46 b_eax=0xb000008b",
	"cpu32 task_gate_int none",
	"cpu32 task_gate_in_c tr=0x38 eax=0xb0000001 ecx=0xb0000002 edx=0xb0000003 ebx=0xb0000004 esp_off=0x0 ebp=0xb0000006 esi=0xb0000007 edi=0xb0000008 eflags=0x4046 cs=0x8 ss=0x10 ds=0x10 fs=0x23 a_busy=0x1 b_busy=0x0",
	"cpu32 task_gate_back c_busy=0x0 c_link=0x28",
	"cpu32 task_gate_df vec=0x8 err=0x0 df_err=0x0",
	"cpu32 task_df_in_d tr=0x40 eax=0xb0000001 ecx=0xb0000002 edx=0xb0000003 ebx=0xb0000004 esp_off=0x0 ebp=0xb0000006 esi=0xb0000007 edi=0xb0000008 eflags=0x4046 cs=0x8 ss=0x10 ds=0x10 fs=0x23 a_busy=0x1 b_busy=0x0",
	"cpu32 task_ts_short_limit vec=0xa err=0x48",
	"cpu32 task_jmp_busy vec=0xd err=0x28",
	"cpu32 task_iret_link_not_busy vec=0xa err=0x30",
	"cpu32 v86_int_iopl3 vec=0x40 err=0x0 cs=0x800 ip_off=0x2 eflags_without_rf=0x23002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x3002",
	"cpu32x v86_int_iopl3 eflags=0x23002",
	"cpu32 v86_int_iopl0 vec=0xd err=0x0 cs=0x800 ip_off=0x0 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_int_iopl0 eflags=0x30002",
	"cpu32 v86_cli_iopl0 vec=0xd err=0x0 cs=0x800 ip_off=0x0 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_cli_iopl0 eflags=0x30002",
	"cpu32 v86_pushf_iopl0 vec=0xd err=0x0 cs=0x800 ip_off=0x0 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_pushf_iopl0 eflags=0x30002",
	"cpu32 v86_int3_iopl0 vec=0x3 err=0x0 cs=0x800 ip_off=0x1 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_int3_iopl0 eflags=0x20002",
	"cpu32 v86_hlt vec=0xd err=0x0 cs=0x800 ip_off=0x0 eflags_without_rf=0x23002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x3002",
	"cpu32x v86_hlt eflags=0x33002",
	"cpu32 v86_int_dpl0_gate vec=0xd err=0x21a cs=0x800 ip_off=0x0 eflags_without_rf=0x23002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x3002",
	"cpu32x v86_int_dpl0_gate eflags=0x33002",
	"cpu32 v86_io_bitmap vec=0xd err=0x0 cs=0x800 ip_off=0x2 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_io_bitmap eflags=0x30002",
	"cpu32 v86_pf vec=0xe err=0x4 cs=0x800 ip_off=0x5 eflags_without_rf=0x20002 ss=0x900 sp=0xff0 es=0x900 ds=0x1000 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2 cr2=0x10010",
	"cpu32x v86_pf eflags=0x30002",
	"cpu32 v86_iret_back vec=0x40 err=0x0 cs=0x800 ip_off=0xa eflags_without_rf=0x23006 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x3006",
	"cpu32x v86_iret_back eflags=0x23006 count=1",
	"cpu32x v86_vme_cli_iopl0 vec=0xd err=0x0 cs=0x800 ip_off=0x1 eflags_without_rf=0x20202 ss=0x900 sp=0xff0 es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_vme_cli_iopl0 eflags=0x30202",
	"cpu32x v86_vme_redirect_iopl0 vec=0xd err=0x0 cs=0x800 ip_off=0x2 eflags_without_rf=0x20202 ss=0x900 sp=0xfea es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x2",
	"cpu32x v86_vme_redirect_iopl0 eflags=0x30202 v86_stack_ip_off=0x2 v86_stack_cs=0x800 v86_stack_flags=0x3202",
	"cpu32x v86_vme_redirect_iopl3 vec=0x41 err=0x0 cs=0x800 ip_off=0x4 eflags_without_rf=0x23002 ss=0x900 sp=0xfea es=0x900 ds=0x900 fs=0x900 gs=0x900 handler_ds=0x0 handler_eflags=0x3002",
	"cpu32x v86_vme_redirect_iopl3 eflags=0x23002 v86_stack_ip_off=0x2 v86_stack_cs=0x800 v86_stack_flags=0x3202",
	"cpu32 fnsave fcw=0x37f fsw=0x2821 ftw=0xbff st=0x9a20ed49",
	"cpu32x fnsave fip_off=0x0 fcs=0x8 fop=0x1fa fdp_off=0x0 fds=0x10",
	"cpu32 fnsave_then_fnstenv fcw=0x37f fsw=0x0 ftw=0xffff",
	"cpu32 frstor_fnsave fcw=0x27f fsw=0x2800 ftw=0x93ff st=0x4b146a31",
	"cpu32x frstor_fnsave fip_off=0x12345678 fcs=0x8 fop=0x5d9 fdp_off=0x1000 fds=0x10",
	"cpu32 frstor_faddp_fnsave fcw=0x27f fsw=0x3000 ftw=0x8fff st=0xbd5f9177",
	"cpu32x frstor_faddp_fnsave fip_off=0x0 fcs=0x8 fop=0x6c1 fdp_off=0x1000 fds=0x10",
	"cpu32 fxsave32 fcw=0x37f fsw=0x2821 ftw=0xe0 mxcsr=0x3fb8 st=0x922315a9 xmm=0xc3d25118",
	"cpu32x fxsave32 fop=0x1fa fip_off=0x0 fcs=0x8 fdp_off=0x0 fds=0x10 mxcsr=0x3fba",
	"cpu32 fpu_nm_ts vec=0x7 err=0x0",
	"cpu32 fpu_nm_em vec=0x7 err=0x0",
	"cpu32 sse_ud_em vec=0x6 err=0x0",
	"cpu32 fpu_mf vec=0x10 err=0x0 fsw=0xb881",
	"cpu32 done",
	"cpu start",
	"cpu de vec=0x0 err=0x0",
	"cpu ud vec=0x6 err=0x0",
	"cpu bp vec=0x3 err=0x0",
	"cpu gp_noncanonical vec=0xd err=0x0",
	"cpu gp_selector vec=0xd err=0x1238",
	"cpu np vec=0xb err=0x28",
	"cpu ss vec=0xc err=0x28",
	"cpu gp_ss_rpl vec=0xd err=0x18",
	"cpux gp_wrmsr vec=0xd err=0x0",
	"cpu lar zf=1 ar_f0ff00=0xc09300",
	"cpux lar ar=0xcf9300",
	"cpu pf_not_present vec=0xe err=0x0 cr2=0x10000000",
	"cpu pf_write_ro_wp1 vec=0xe err=0x3 cr2=0x10001000",
	"cpu write_ro_wp0 none",
	"cpu write_ro_wp0_value byte=0x1",
	"cpu pf_fetch_nx vec=0xe err=0x11 cr2=0x10002000",
	"cpu pf_rsvd_read vec=0xe err_without_p=0x8 cr2=0x8000000000",
	"cpux pf_rsvd_read err=0x9",
	"cpu pf_rsvd_write vec=0xe err_without_p=0xa cr2=0x8000000008",
	"cpux pf_rsvd_write err=0xb",
	"cpu accessed_after_read pte=0x20 pde=0x20",
	"cpu dirty_after_write pte=0x60",
	"cpu features smep=1 smap=1",
	"cpu pf_smep vec=0xe err=0x11 cr2=0x10003000",
	"cpu pf_smap vec=0xe err=0x1 cr2=0x10004000",
	"cpu smap_stac none",
	"cpu user_syscall_sysret_cli vec=0xd err=0x0 cs=0x23 rip_off=0x2 syscalls=1 rcx_off=0x2 r11=0x802",
	"cpux user_ac vec=0x11 err=0x0 cs=0x23 rip_off=0x5",
	"cpu user_ac_am0 vec=0x6 err=0x0 cs=0x23 rip_off=0x9",
	"cpu user_read_supervisor vec=0xe err=0x5 cs=0x23 rip_off=0xb cr2=0x10005000",
	"cpu user_syscall vec=0x100 err=0x0 cs=0x0 rip_off=0x16 r11=0x46",
	"cpu fxsave fcw=0x37f fsw=0x2821 ftw=0xe0 mxcsr=0x3fb8 st=0x91fbe445 xmm=0xbbc00e60",
	"cpux fxsave fsw=0x2821 mxcsr=0x3fba",
	"cpu xsave fcw=0x37f fsw=0x2821 ftw=0xe0 mxcsr=0x3fb8 st=0x91fbe445 xmm=0xbbc00e60 xstate_bv=0x3",
	"cpux xsave fsw=0x2821 mxcsr=0x3fba",
	"cpu xrstor_fxsave fcw=0x37f fsw=0x2821 ftw=0xe0 mxcsr=0x3fb8 st=0x91fbe445 xmm=0xbbc00e60",
	"cpux xrstor_fxsave fsw=0x2821 mxcsr=0x3fba",
	"cpu done",
};

/* One run takes about a second; the limit is for a loaded machine (and a
 * sanitized build): at load 25 a 60-second one was once reached. */
#define RUN_TIMEOUT_S 300

/* The whole output goes to stderr: too long for a check message. */
static void dump(const char *prog, const struct fw_result *r)
{
	fprintf(stderr, "%s stdout:\n%s\n%s stderr:\n%s\n", prog, r->out, prog,
		r->err);
}

/* The runner's QEMU command line (QEMU or vmxbox-qemu). */
static void run(const char *prog, struct fw_result *r)
{
	const char *argv[] = {
		prog, "-nodefaults", "-display", "none", "-serial", "stdio",
		"-m", "128M", "-no-reboot", "-cpu", "max",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
		"-kernel", getenv("PCTEST32"), "-append", "cpu", NULL,
	};

	ck_assert_int_eq(fw_run((char *const *)argv, RUN_TIMEOUT_S, r), 0);
	if (r->timed_out || r->status != 1)
		dump(prog, r);
	ck_assert_msg(!r->timed_out, "%s timed out (output above)", prog);
	ck_assert_msg(r->status == 1, "%s: status %d (output above)", prog,
		      r->status);
}

/* The lines that start with "cpu " or "cpu32 " (one per case), in order. */
static char *cpu_lines(const char *out)
{
	char *res = calloc(1, strlen(out) + 1), *w = res;

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, "cpu ", 4) || !strncmp(p, "cpu32 ", 6)) {
			memcpy(w, p, n);
			w += n;
			*w++ = '\n';
		}
		p += n + (p[n] == '\n');
	}
	return res;
}

START_TEST(vmxbox_answers)
{
	struct fw_result r;
	size_t len = 0;
	char *want, *missing;
	bool ok;

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		len += strlen(expected[i]) + 1;
	want = calloc(1, len + 1);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		strcat(want, expected[i]);
		strcat(want, "\n");
	}
	run(getenv("VMXBOX_QEMU"), &r);
	ok = fw_lines_in_order(r.out, want, &missing);
	if (!ok)
		dump("vmxbox", &r);
	ck_assert_msg(ok, "missing line \"%s\" (output above)", missing);
	free(want);
	fw_result_free(&r);
}
END_TEST

START_TEST(same_answers_as_qemu)
{
	static const char *const marks[] = { "cpu done", "cpu32 done", NULL };
	struct fw_result q, v;

	run(getenv("QEMU"), &q);
	run(getenv("VMXBOX_QEMU"), &v);
	pc_same_as_qemu(&q, &v, cpu_lines, marks);
	fw_result_free(&q);
	fw_result_free(&v);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_cpu");
	TCase *tc = tcase_create("cpu");

	tcase_set_timeout(tc, 2 * RUN_TIMEOUT_S + 60);
	if (pc_qemu_mode(argc, argv)) {
		tcase_add_test(tc, same_answers_as_qemu);
	} else {
		tcase_add_test(tc, vmxbox_answers);
	}
	suite_add_tcase(s, tc);
	return pc_run_suite(s);
}
