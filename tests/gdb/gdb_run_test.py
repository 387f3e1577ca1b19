#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End to end: Debian's stock gdb (batch mode) and raw protocol clients
against `vmxbox run --gdb` on test firmware (docs/gdb.md).

Usage: gdb_run_test.py VMXBOX VMXBOX_QEMU FIRMWARE_DIR [CASE...]
Exit 0: every case passed; 77: gdb is not installed; 1: a failure.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

VMXBOX, QEMU, FW = sys.argv[1], sys.argv[2], sys.argv[3]
ONLY = sys.argv[4:]
TMP = tempfile.mkdtemp(prefix="vmxbox-gdb-")
failures = []


def fw(name):
    return os.path.join(FW, name + ".elf")


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print("FAIL: %s\n%s" % (what, detail))
    return cond


def start(args, sock):
    """vmxbox with a unix-socket stub; returns once it listens."""
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    for _ in range(300):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.02)
    return p


def finish(p, timeout=60):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return -1, out, err
    return p.returncode, out, err


def gdb(elf, target, cmds, timeout=120):
    args = ["gdb", "-batch", "-nx", "-ex", "set pagination off",
            "-ex", "set confirm off"]
    if elf:
        args += ["-ex", "file " + elf]
    args += ["-ex", "target remote " + target]
    for c in cmds:
        args += ["-ex", c]
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def symbol(elf, name):
    out = subprocess.run(["nm", elf], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) [Tt] %s$" % re.escape(name), out, re.M)
    return int(m.group(1), 16)


def symbol_range(elf, name):
    """[start, end) of a symbol of any kind (function or data)."""
    out = subprocess.run(["nm", "-S", elf], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) ([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
    start = int(m.group(1), 16)
    return start, start + int(m.group(2), 16)


def in_symbol(elf, name, pc):
    start, end = symbol_range(elf, name)
    return pc is not None and start <= pc < end


# ---- cases ----------------------------------------------------------------

def case_break_step_regs_mem():
    """break, continue, stepi, info registers, x/, watch, continue to
    the end: the guest's output and exit status are untouched."""
    sock = os.path.join(TMP, "a.sock")
    elf = fw("hello")
    main = symbol(elf, "main")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    out = gdb(elf, sock, [
        "p/x $pc", "break main", "continue", "p/x $pc", "stepi", "p/x $pc",
        "info registers rip cr0 cr3 cr4 efer cs_base gdtr_base",
        "x/1i $pc", "x/2gx $sp",
        "set var $rbx = 0x1234", "p/x $rbx",
        "delete", "watch *(unsigned long *)($sp - 16)", "continue",
        "p $_siginfo", "delete", "continue"])
    rc, sout, serr = finish(p)
    pcs = re.findall(r"^\$\d+ = (0x[0-9a-f]+)$", out, re.M)
    check(len(pcs) >= 3, "three $pc values printed", out)
    if len(pcs) >= 3:
        check(int(pcs[0], 16) == symbol(elf, "_start"),
              "stopped at the entry point before the first instruction", out)
        check(int(pcs[1], 16) == main, "the breakpoint stops at main", out)
        check(int(pcs[2], 16) > main and int(pcs[2], 16) < main + 16,
              "stepi moves one instruction", out)
    check("Breakpoint 1, main ()" in out, "gdb reports the breakpoint", out)
    check(re.search(r"^cr0\s+0x8001", out, re.M) is not None,
          "cr0 shows paging and protection on", out)
    check(re.search(r"^efer\s+0x[0-9a-f]*d00\b", out, re.M) is not None,
          "efer shows LME, LMA, NXE", out)
    check(re.search(r"^cs_base\s+0x0\b", out, re.M) is not None,
          "segment bases are registers", out)
    check(re.search(r"=> 0x[0-9a-f]+ <main\+\d+>:", out) is not None,
          "x/i disassembles guest memory through its paging", out)
    check(re.search(r"^\$\d+ = 0x1234$", out, re.M) is not None,
          "a register write reads back", out)
    check(re.search(r"Hardware watchpoint \d+|Watchpoint \d+", out) is not None
          and "New value" in out, "the watchpoint triggers on a push", out)
    check("exited normally" in out, "gdb sees the run end with status 0", out)
    check(rc == 0, "vmxbox exits 0", "rc %d\n%s" % (rc, serr))
    check("hello from vmxbox guest firmware" in sout,
          "the guest's output is intact", sout)


def case_hw_watch():
    """A hardware (Z2) write watchpoint on a fixed address: the stop names
    the address and the instruction after the write."""
    sock = os.path.join(TMP, "w.sock")
    elf = fw("hello")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    out = gdb(elf, sock, [
        "break main", "continue", "delete",
        "watch -l *(unsigned long *)($sp - 16)", "continue",
        "p/x $pc", "x/1i $pc", "kill"])
    rc, _, serr = finish(p)
    check(re.search(r"Hardware watchpoint 2: -location", out) is not None,
          "gdb uses a hardware watchpoint (Z2)", out)
    check("Old value" in out and "New value" in out,
          "the hardware watchpoint stops after the write", out)
    check(rc != -1, "vmxbox ends after kill", serr)


def case_rwatch_awatch():
    """rwatch and awatch (Z3/Z4) with Debian's gdb: a read watchpoint
    stops after the instruction that read, an access watchpoint after a
    write (old and new value) and after a read (the value)."""
    sock = os.path.join(TMP, "rw.sock")
    elf = fw("hello")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused", "--mem=64M",
               "--timeout=60", elf], sock)
    out = gdb(elf, sock, [
        "break main", "continue", "delete",
        "awatch boot_info.flags", "continue", "echo @F\\n", "p/x $pc",
        "delete", "rwatch boot_info.mem_size", "continue", "echo @R\\n", "p/x $pc",
        "delete", "awatch -l *(unsigned long *)($sp - 8)", "continue",
        "echo @W\\n", "p/x $pc", "continue", "echo @X\\n", "p/x $pc",
        "delete", "continue"])
    rc, sout, serr = finish(p)
    check(re.search(r"Hardware access \(read/write\) watchpoint 2: boot_info.flags"
                    r"\s+Value = 1\b", out) is not None,
          "awatch stops on a read with the value (BOOT_FLAG_VMX)", out)
    check(in_symbol(elf, "main", value_after(out, "@F")), "... in main", out)
    check(re.search(r"Hardware read watchpoint 3: boot_info.mem_size\s+Value = 67108864",
                    out) is not None, "rwatch stops on the read with the value", out)
    check(in_symbol(elf, "main", value_after(out, "@R")), "... in main", out)
    w = out.split("@W", 1)[0].rsplit("@R", 1)[-1]
    check(re.search(r"Hardware access \(read/write\) watchpoint 4: .*\s+Old value = "
                    r"\d+\s+New value = \d+", w) is not None,
          "awatch stops on a write (call pushes) with old and new value", out)
    x = out.split("@X", 1)[0].rsplit("@W", 1)[-1]
    check(re.search(r"Hardware access \(read/write\) watchpoint 4: .*\s+Value = \d+", x)
          is not None and in_symbol(elf, "main", value_after(out, "@X")),
          "... and on the read (ret) back in main", out)
    check("exited normally" in out and rc == 0, "the run ends normally", serr)


def case_watch_packets():
    """Z3/Z4 over the wire: the stop reply names the watchpoint's type
    and address (rwatch:ADDR, awatch:ADDR), whichever access hit it."""
    elf = fw("hello")
    mem_size = symbol_range(elf, "boot_info")[0] + 8
    image_start = mem_size + 8         # main reads it after mem_size
    flags = mem_size + 24
    pc = lambda g: int.from_bytes(bytes.fromhex(
        re.search(rb"\$([0-9a-f]{16})#", g).group(1).decode()), "little") \
        if re.search(rb"\$([0-9a-f]{16})#", g) else None
    sock = os.path.join(TMP, "z.sock")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    r = raw(sock, [
        (frame("Z3,%x,8" % mem_size), has_frame),
        (frame("c"), has_frame),
        (frame("p10"), has_frame),
        (frame("z3,%x,8" % mem_size), has_frame),
        (frame("Z4,%x,8" % image_start), has_frame),
        (frame("c"), has_frame),
        (frame("p10"), has_frame),
        (frame("k"), lambda g: False),
    ])
    check(r[0] == b"+" + frame("OK"), "Z3 is accepted", repr(r[0]))
    check(r[1] == b"+" + frame("T05thread:1;rwatch:%x;" % mem_size),
          "a read watchpoint's stop reply is rwatch:ADDR", repr(r[1]))
    check(in_symbol(elf, "main", pc(r[2])), "... after the read in main", repr(r[2]))
    check(r[4] == b"+" + frame("OK"), "Z4 is accepted", repr(r[4]))
    check(r[5] == b"+" + frame("T05thread:1;awatch:%x;" % image_start),
          "an access watchpoint hit by a read replies awatch:ADDR", repr(r[5]))
    check(in_symbol(elf, "main", pc(r[6])), "... in main", repr(r[6]))
    finish(p)
    # From the start, the access watchpoint's first hit is _start
    # clearing .bss: a write.
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    r = raw(sock, [
        (frame("Z4,%x,8" % flags), has_frame),
        (frame("c"), has_frame),
        (frame("p10"), has_frame),
        (frame("k"), lambda g: False),
    ])
    check(r[1] == b"+" + frame("T05thread:1;awatch:%x;" % flags) and
          in_symbol(elf, "_start", pc(r[2])),
          "an access watchpoint stops on the write that clears .bss",
          repr(r[1:3]))
    finish(p)


def raw(sock_path, sends):
    """Send raw byte strings; return everything received after each."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.settimeout(5)
    replies = []
    for data, want in sends:
        s.sendall(data)
        got = b""
        end = time.time() + 5
        while time.time() < end and not want(got):
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
        replies.append(got)
    s.close()
    return replies


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)


def has_frame(got):
    return re.search(rb"\$[^#]*#[0-9a-f]{2}", got) is not None


def case_protocol():
    """Malformed input over the socket: nothing crashes, every bad packet
    gets its answer, and detaching lets the machine run to its end."""
    sock = os.path.join(TMP, "p.sock")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", fw("hello")], sock)
    huge = b"$M" + b"0" * 70000 + b"#00"
    r = raw(sock, [
        (b"$g#00", lambda g: b"-" in g),                      # bad checksum
        (huge, has_frame),                                    # too long
        (frame("qNoSuchThing"), has_frame),                   # unknown
        (frame("m0,ffffffffffffffffff"), has_frame),          # overflow
        (frame("mffffffffff000000,10"), has_frame),           # unmapped
        (b"garbage\x00\xff" + frame("qC"), has_frame),
        (frame("qSupported:xmlRegisters=i386"), has_frame),
        (frame("D"), has_frame),
    ])
    check(r[0] == b"-", "a bad checksum is NAKed", repr(r[0]))
    check(r[1] == b"+" + frame("E16"), "a huge packet is refused", repr(r[1][:80]))
    check(r[2] == b"+" + frame(""), "an unknown packet gets the empty reply", repr(r[2]))
    check(r[3] == b"+" + frame("E16"), "an overflowing number is refused", repr(r[3]))
    check(r[4] == b"+" + frame("E0e"), "unmapped memory is E0e", repr(r[4]))
    check(r[5] == b"+" + frame("QC1"), "garbage between packets is skipped", repr(r[5]))
    check(b"PacketSize=4000" in r[6] and b"qXfer:features:read+" in r[6],
          "qSupported advertises the packet size and target.xml", repr(r[6]))
    check(r[7] == b"+" + frame("OK"), "D detaches", repr(r[7]))
    rc, sout, serr = finish(p)
    check(rc == 0 and "hello from vmxbox" in sout,
          "after detach the guest runs to its end", "rc %d %s" % (rc, serr))


def case_interrupt_and_threads():
    """--smp=2: one thread per vCPU; ^C (vCont;c then 0x03) stops the
    spinning guest with SIGINT; kill ends the run."""
    sock = os.path.join(TMP, "t.sock")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--smp=2",
               "--timeout=60", fw("spin")], sock)
    r = raw(sock, [
        (frame("qfThreadInfo"), has_frame),
        (frame("vCont;c"), lambda g: g == b"+"),
        (b"\x03", has_frame),
        (frame("p10"), has_frame),
        (frame("k"), lambda g: False),
    ])
    check(r[0] == b"+" + frame("m1,2"), "two vCPUs are threads 1 and 2", repr(r[0]))
    check(re.match(rb"\$T02thread:[12];#", r[2]) is not None,
          "^C stops with SIGINT", repr(r[2]))
    check(re.match(rb"\+\$[0-9a-f]{16}#", r[3]) is not None,
          "registers read after the stop", repr(r[3]))
    rc, _, serr = finish(p)
    check(rc != -1, "k ends the run", serr)


def case_tcp_and_qemu():
    """tcp::0 prints the port it took; vmxbox-qemu -gdb ... -S waits."""
    p = subprocess.Popen([VMXBOX, "run", "--gdb=tcp::0", "--paused",
                          "--timeout=60", fw("hello")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"listening on tcp:127\.0\.0\.1:(\d+)", line)
    if check(m is not None, "tcp::0 reports its port", line):
        out = gdb(fw("hello"), "127.0.0.1:" + m.group(1), ["info threads", "continue"])
        check("exited normally" in out, "gdb over TCP runs the guest to its end", out)
    rc, _, serr = finish(p)
    check(rc == 0, "vmxbox over TCP exits 0", serr)

    sock = os.path.join(TMP, "q.sock")
    p = start([QEMU, "-kernel", fw("hello"), "-gdb", "unix:" + sock + ",server,nowait",
               "-S", "-display", "none", "-serial", "stdio"], sock)
    out = gdb(fw("hello"), sock, ["p/x $pc", "continue"])
    check(re.search(r"= 0x%x$" % symbol(fw("hello"), "_start"), out, re.M) is not None,
          "vmxbox-qemu -S waits at the entry point", out)
    rc, sout, _ = finish(p)
    # QEMU's convention: a guest that halts for good ends with 1.
    check("exited with code 01" in out and rc == 1 and "hello from vmxbox" in sout,
          "vmxbox-qemu -gdb runs on and reports the exit status", out + sout)


def case_usage_errors():
    for args, what in (
            (["--gdb=tcp:1234"], "a spec without host:port"),
            (["--gdb=udp::1"], "an unknown transport"),
            (["--gdb=tcp::99999"], "a port out of range"),
            (["--gdb=unix:"], "an empty path"),
            (["--gdb=tcp::0", "--engine=kvm"], "a non-interp engine")):
        r = subprocess.run([VMXBOX, "run"] + args + [fw("hello")],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 2 and "gdb" in r.stderr,
              "usage error for " + what, r.stderr)
    # A file that is not a socket is never replaced.
    path = os.path.join(TMP, "not-a-socket")
    open(path, "w").write("x")
    r = subprocess.run([VMXBOX, "run", "--gdb=unix:" + path, fw("hello")],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "not a socket" in r.stderr and
          open(path).read() == "x", "a regular file at the path is refused", r.stderr)


def regs_at(out, marker):
    """The `info registers` block after marker."""
    part = out.split(marker, 1)[1] if marker in out else ""
    part = part.split("@", 1)[0]
    return re.findall(r"^([a-z][a-z0-9_]*)\s+(0x[0-9a-f]+)", part, re.M)


def insns_counts(out):
    """`monitor status` instruction counts, in order (gdb prints monitor
    output in order among itself)."""
    return [int(n) for n in re.findall(r"^insns: (\d+)$", out, re.M)]


def case_reverse():
    """--reverse: reverse-stepi N then stepi N is the identical state
    (registers and instruction count); reverse-continue finds the last
    breakpoint hit, then the start of history; the guest's output is not
    printed twice."""
    sock = os.path.join(TMP, "r.sock")
    elf = fw("hello")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused", "--reverse",
               "--checkpoint-interval=5000", "--timeout=120", elf], sock)
    out = gdb(elf, sock, [
        "break printf", "continue", "stepi 40",
        "echo @A\\n", "info registers", "monitor status",
        "reverse-stepi 25",
        "echo @B\\n", "info registers", "monitor status",
        "stepi 25",
        "echo @C\\n", "info registers", "monitor status",
        "reverse-continue", "echo @D\\n", "p/x $pc", "monitor status",
        "reverse-continue", "echo @E\\n", "p/x $pc",
        "delete", "continue"])
    rc, sout, serr = finish(p)
    a, b, c = regs_at(out, "@A"), regs_at(out, "@B"), regs_at(out, "@C")
    n = insns_counts(out)
    check(len(a) >= 30 and a == c, "reverse-stepi 25 + stepi 25 = the same registers",
          "%s\n%s" % (a, c))
    check(len(n) >= 3 and n[0] == n[2] and n[1] == n[0] - 25,
          "... and the same instruction count, 25 fewer in between", str(n))
    check(a != b, "reverse-stepi changed the state", out)
    d = out.split("@D", 1)[1] if "@D" in out else ""
    check(re.search(r"= 0x%x$" % symbol(elf, "printf"), d, re.M) is not None,
          "reverse-continue stops at the breakpoint it passed", out)
    e = out.split("@E", 1)[1] if "@E" in out else ""
    check("No more reverse-execution history" in out and
          re.search(r"= 0x%x$" % symbol(elf, "_start"), e, re.M) is not None,
          "reverse-continue without an earlier hit ends at the oldest checkpoint", out)
    check("exited normally" in out and rc == 0, "the run ends normally", serr)
    check(sout.count("hello from vmxbox guest firmware") == 1,
          "re-executed output is not printed again", sout)


def value_after(out, marker):
    part = out.split(marker, 1)[1] if marker in out else ""
    m = re.search(r"^\$\d+ = (0x[0-9a-f]+)$", part, re.M)
    return int(m.group(1), 16) if m else None


def case_nested():
    """spin.elf: stop at a given VM exit reason; the L2 view shows the
    exiting CPUID at L2's RIP (through L2's paging), the L1 view and auto
    the running L1; a breakpoint scoped to L2 stops in non-root."""
    sock = os.path.join(TMP, "n.sock")
    elf = fw("spin")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    out = gdb(elf, sock, [
        "monitor break vmexit CPUID", "continue",
        "monitor why", "echo @A\\n", "p/x $pc",
        "monitor view l2", "maint flush register-cache", "maint flush dcache",
        "echo @B\\n", "p/x $pc", "x/1i $pc",
        "set $cpuid_at = $pc", "monitor vmcs",
        "monitor view l1", "maint flush register-cache", "echo @C\\n", "p/x $pc",
        "monitor view auto", "maint flush register-cache", "monitor break clear",
        "monitor scope l2", "break *$cpuid_at", "continue",
        "echo @D\\n", "p/x $pc", "monitor status",
        "kill"])
    rc, _, serr = finish(p)
    check("vmexit CPUID (10)" in out, "the stop names the VM exit", out)
    a, b, c = value_after(out, "@A"), value_after(out, "@B"), value_after(out, "@C")
    m = re.search(r"^\s*guest_rip: (0x[0-9a-f]+)$", out, re.M) or \
        re.search(r"GUEST_RIP: (0x[0-9a-f]+)", out)
    check(b is not None and m is not None and b == int(m.group(1), 16),
          "the L2 view's rip is the VMCS guest RIP", out)
    check(re.search(r"=> 0x[0-9a-f]+ <l2_main\+\d+>:\s+cpuid", out) is not None,
          "x/i in the L2 view shows the exiting CPUID", out)
    check(a is not None and a == c and a != b,
          "auto shows the running L1, as the L1 view does", "%s %s %s" % (a, b, c))
    d = value_after(out, "@D")
    check(d is not None and d == b and "vmx: non-root" in out.split("@D", 1)[1],
          "a breakpoint scoped to L2 stops L2 at the CPUID", out)
    check(rc != -1, "kill ends the run", serr)


def case_vmwrite_reverse():
    """badentry.elf: stop at the failed VM entry, then reverse-continue
    with vmcs-watch HOST_CR3 lands on the VMWRITE that broke it."""
    sock = os.path.join(TMP, "v.sock")
    elf = fw("badentry")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused", "--reverse",
               "--timeout=120", elf], sock)
    out = gdb(elf, sock, [
        "monitor break vmentry-fail", "continue", "monitor why",
        "monitor break clear", "monitor vmcs-watch HOST_CR3",
        "reverse-continue", "echo @A\\n", "x/1i $pc", "info symbol $pc",
        "monitor why", "monitor history",
        "reverse-continue", "echo @B\\n", "info symbol $pc",
        "monitor vmcs-watch off", "continue"])
    rc, sout, serr = finish(p)
    check("vmentry-fail: VM-instruction error 8" in out,
          "the failed VMRESUME stops with VMfailValid(8)", out)
    a = out.split("@A", 1)[1] if "@A" in out else ""
    check(re.search(r"=> 0x[0-9a-f]+ <switch_host_tables\+\d+>:\s+vmwrite", a)
          is not None, "reverse-continue lands on the VMWRITE", out)
    check("VMWRITE of HOST_CR3" in a and "going backwards" in a,
          "why names the VMWRITE", a)
    b = out.split("@B", 1)[1] if "@B" in out else ""
    check(re.search(r"^(vmcs_write|vmx_setup_host) \+ \d+ in section", b, re.M) is not None,
          "reverse-continue again finds the earlier, good VMWRITE", b)
    check("exited normally" in out and rc == 0 and
          sout.count("VM-instruction error 8") == 1 and
          sout.count("3 CPUID exits") == 1,
          "the run then ends as without gdb, its output once although it "
          "went back before a printf and forward again", sout + serr)


def case_ept_view():
    """eptview.elf: two VMs run the same L2 code, `vm` under EPT that maps
    view_page elsewhere, `vm_flat` without EPT.  At vm's CPUID exit L1
    sees VIEW_L1 there and `view l2` VIEW_L2 (L2's paging, then L1's
    EPT); a breakpoint in the shared L2 code scoped to vm's VMCS lets
    vm_flat's L2 run through it and stops vm's, under EPT (RBX just
    loaded from the remapped page, auto view reading it too); scoped to
    vm_flat's VMCS it stops vm_flat's L2, which reads L1's word."""
    sock = os.path.join(TMP, "e.sock")
    elf = fw("eptview")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused",
               "--timeout=60", elf], sock)
    out = gdb(elf, sock, [
        "monitor break vmexit CPUID", "continue",
        "echo @A\\n", "x/1gx &view_page",
        "monitor view l2", "maint flush register-cache", "maint flush dcache",
        "echo @B\\n", "x/1gx &view_page", "set $cpuid_at = $pc",
        "monitor view auto", "maint flush register-cache", "maint flush dcache",
        "monitor break clear",
        'eval "monitor scope vmcs 0x%lx", vm.vmcs_pa', "break *$cpuid_at",
        "continue", "echo @C\\n", "x/1i $pc", "p/x $rbx", "x/1gx &view_page",
        "p/x vm.vmcs_pa", "monitor status",
        'eval "monitor scope vmcs 0x%lx", vm_flat.vmcs_pa', "continue",
        "echo @E\\n", "x/1i $pc", "p/x $rbx", "x/1gx &view_page",
        "echo @@\\n", "monitor scope l3", "monitor scope vmcs 0x1234",
        "delete", "monitor scope any", "continue"])
    rc, sout, serr = finish(p)

    def part(marker, end):
        t = out.split(marker, 1)[1] if marker in out else ""
        return t.split(end, 1)[0]

    def words(marker, end):
        return [int(v, 16) for v in
                re.findall(r"<view_page>:\s+(0x[0-9a-f]+)", part(marker, end))]

    check(words("@A", "@B") == [0x11111111deadbeef],
          "L1 (running) reads its own page at view_page", out)
    check(words("@B", "@C") == [0x22222222cafef00d],
          "the L2 view reads the page L1's EPT maps there", out)
    c, e = part("@C", "@E"), part("@E", "@@")
    # gdb -batch prints monitor output on stderr: in order among itself.
    m = re.search(r"stop in the L2 of VMCS (0x[0-9a-f]+)\ninsns: \d+\n"
                  r".*?vmx: non-root\n.*?vmcs: \1\n.*?vm_entries: 3\n", out, re.S)
    check(re.search(r"=> 0x[0-9a-f]+ <l2_main\+\d+>:\s+cpuid", c) is not None and
          m is not None and re.search(r"^\$\d+ = %s$" % m.group(1), c, re.M),
          "a breakpoint scoped to vm's VMCS stops its L2 at the CPUID, at the "
          "third VM entry: vm_flat's L2 ran through it", out)
    check(re.search(r"^\$\d+ = 0x22222222cafef00d$", c, re.M) is not None,
          "... vm's, under EPT (vm_flat's L2 ran through the breakpoint first)", c)
    check(words("@C", "@E") == [0x22222222cafef00d],
          "the running L2 (auto view) reads through EPT as well", c)
    check(re.search(r"=> 0x[0-9a-f]+ <l2_main\+\d+>:\s+cpuid", e) is not None and
          re.search(r"^\$\d+ = 0x11111111deadbeef$", e, re.M) is not None and
          words("@E", "@@") == [0x11111111deadbeef],
          "scoped to vm_flat's VMCS the same breakpoint stops vm_flat's L2", e)
    check("usage: scope [l1|l2|any|vmcs ADDR]" in out and
          "0x1234 is not a VMCS address" in out, "bad scopes are refused", out)
    check("exited normally" in out and rc == 0 and
          "L2 read 0x22222222cafef00d under EPT, 0x11111111deadbeef without" in sout,
          "the run ends as without gdb", sout + serr)


def thread_regs(out, marker, n):
    """`info registers` of threads 1..n printed after marker, each after
    `echo @tK`."""
    part = out.split(marker, 1)[1] if marker in out else ""
    return [regs_at(part, "@t%d" % k) for k in range(1, n + 1)]


def case_reverse_smp():
    """--smp=4 --reverse: reverse-stepi N then stepi N gives every vCPU
    its registers back and the same instruction count; reverse-continue
    crosses many scheduler turns back to the last AP that entered
    ap_start; the output then is exactly that of a run without gdb."""
    sock = os.path.join(TMP, "s.sock")
    elf = fw("smp")
    args = ["--smp=4", "--smp-quantum=100000", "--timeout=120"]
    ref = subprocess.run([VMXBOX, "run"] + args + [elf], capture_output=True,
                         text=True, timeout=120)
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused", "--reverse",
               "--checkpoint-interval=50000"] + args + [elf], sock)
    regs = []
    for k in range(1, 5):
        regs += ["thread %d" % k, "echo @t%d\\n" % k, "info registers"]
    out = gdb(elf, sock, [
        "break ap_start", "continue", "echo @S\\n", "p/x $pc",
        "stepi 40", "echo @A\\n"] + regs + ["monitor status", "thread 2",
        "reverse-stepi 25", "echo @B\\n"] + regs + ["monitor status", "thread 2",
        "stepi 25", "echo @C\\n"] + regs + ["monitor status",
        "continue", "continue", "echo @F\\n", "p/x $pc", "thread"] + regs + [
        "monitor status", "delete", "break test_nmi", "continue", "delete",
        "break ap_start", "reverse-continue", "echo @D\\n", "p/x $pc",
        "thread"] + regs + ["monitor status", "delete", "continue"],
        timeout=300)
    rc, sout, serr = finish(p, timeout=300)
    s = out.split("@S", 1)[1] if "@S" in out else ""
    check(re.search(r"= 0x%x$" % symbol(elf, "ap_start"), s, re.M) is not None,
          "an AP stops at ap_start", out)
    a, b, c = (thread_regs(out, m, 4) for m in ("@A", "@B", "@C"))
    n = insns_counts(out)
    check(all(len(r) >= 30 for r in a) and a == c,
          "reverse-stepi 25 + stepi 25 = the same registers on all four vCPUs",
          "%s\n%s" % (a, c))
    check(a != b, "reverse-stepi changed the state", out)
    check(len(n) >= 3 and n[0] == n[2] and n[1] == n[0] - 25,
          "... and the same instruction count, 25 fewer in between", str(n))
    f = out.split("@F", 1)[1].split("@t1", 1)[0] if "@F" in out else ""
    d = out.split("@D", 1)[1].split("@t1", 1)[0] if "@D" in out else ""
    check(re.search(r"= 0x%x$" % symbol(elf, "ap_start"), f, re.M) is not None and
          re.search(r"Current thread is 4\b", f) is not None,
          "the third AP is the last to enter ap_start", f)
    check(re.search(r"= 0x%x$" % symbol(elf, "ap_start"), d, re.M) is not None and
          re.search(r"Current thread is 4\b", d) is not None,
          "reverse-continue across the turns since stops it there again", d)
    rf, rd = thread_regs(out, "@F", 4), thread_regs(out, "@D", 4)
    check(all(len(r) >= 30 for r in rf) and rf == rd and len(n) >= 5 and
          n[3] == n[4] and n[4] > n[2],
          "... with every vCPU's registers and the instruction count as they "
          "were there", "%s\n%s\n%s" % (rf, rd, n))
    check(rc == ref.returncode and sout == ref.stdout and "exited" in out,
          "the run ends with the output and status of a run without gdb",
          "rc %d/%d\n%s\n---\n%s\n%s" % (rc, ref.returncode, sout, ref.stdout, serr))


def case_smp_step():
    """--smp=4 with a short quantum: stepi on an AP's thread steps that
    vCPU (the others run theirs in between, so the stop stays on its
    thread), reverse-stepi undoes exactly its instructions with the
    others' since, and stepi again repeats the same interleaving."""
    sock = os.path.join(TMP, "ss.sock")
    elf = fw("smp")
    p = start([VMXBOX, "run", "--gdb=unix:" + sock, "--paused", "--reverse",
               "--checkpoint-interval=500", "--smp=4", "--smp-quantum=20",
               "--timeout=120", elf], sock)
    regs = []
    for k in range(1, 5):
        regs += ["thread %d" % k, "echo @t%d\\n" % k, "info registers"]
    back = ["thread 2"]
    out = gdb(elf, sock, [
        "break ap_start", "continue", "delete", "echo @A\\n"] + regs + [
        "monitor status"] + back + ["stepi 60", "echo @B\\n", "thread"] + regs +
        ["monitor status"] + back + ["reverse-stepi 60", "echo @C\\n", "thread"] +
        regs + ["monitor status"] + back + ["stepi 60", "echo @D\\n"] + regs +
        ["monitor status", "kill"], timeout=300)
    rc, sout, serr = finish(p, timeout=300)
    a, b, c, d = (thread_regs(out, m, 4) for m in ("@A", "@B", "@C", "@D"))
    n = insns_counts(out)
    steps = out.split("@A", 1)[1] if "@A" in out else ""
    check("received signal" not in steps and
          re.search(r"Current thread is 2\b", steps.split("@B", 1)[-1]) is not None,
          "stepi stays on the stepped AP's thread", steps[:3000])
    rip = lambda r: dict(r).get("rip")
    check(len(n) >= 4 and n[1] - n[0] > 60 and a[1] != b[1] and
          any(a[k] != b[k] for k in (0, 2, 3)),
          "... while the other vCPUs run theirs in between", str(n))
    check(all(len(r) >= 30 for r in a) and a == c and len(n) >= 4 and n[0] == n[2],
          "reverse-stepi 60 on that thread undoes them all: every vCPU as before",
          "%s\n%s\n%s" % (a, c, n))
    check(b == d and len(n) >= 4 and n[1] == n[3],
          "stepi 60 again gives the same state (the same interleaving)", str(n))


def case_restore_gdb():
    """vmxbox restore --gdb --reverse: debug a snapshot.  gdb attaches at
    the snapshot's instruction; the failing VMRESUME after it, the
    VMWRITE that broke it found backwards; the history starts at the
    snapshot; the output after it appears once."""
    snap = os.path.join(TMP, "b.snap")
    elf = fw("badentry")
    r = subprocess.run([VMXBOX, "run", "--snapshot=" + snap,
                        "--snapshot-on=vmexit:CPUID:2", elf],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and os.path.exists(snap),
          "a snapshot at the second CPUID exit", r.stderr)
    for args, what in ((["--paused"], "--paused without --gdb"),
                       (["--reverse"], "--reverse without --gdb"),
                       (["--gdb=unix:" + os.path.join(TMP, "x.sock"),
                         "--engine=kvm"], "--gdb with another engine")):
        u = subprocess.run([VMXBOX, "restore"] + args + [snap],
                           capture_output=True, text=True, timeout=60)
        check(u.returncode == 2, "restore: usage error for " + what, u.stderr)
    sock = os.path.join(TMP, "rs.sock")
    p = start([VMXBOX, "restore", "--gdb=unix:" + sock, "--paused", "--reverse",
               "--timeout=120", snap], sock)
    out = gdb(elf, sock, [
        "echo @A\\n", "info symbol $pc", "monitor status",
        "monitor break vmentry-fail", "continue", "monitor why",
        "monitor break clear", "monitor vmcs-watch HOST_CR3",
        "reverse-continue", "echo @B\\n", "x/1i $pc",
        "reverse-continue", "echo @C\\n", "info symbol $pc", "monitor status",
        "monitor vmcs-watch off", "continue"])
    rc, sout, serr = finish(p)
    a = out.split("@A", 1)[1].split("@B", 1)[0] if "@A" in out else ""
    check(re.search(r"^vmx_exit_stub in section", a, re.M) is not None,
          "gdb attaches at the snapshot: L1 right after the VM exit", a)
    check("vmentry-fail: VM-instruction error 8" in out,
          "the restored run goes on to the failing VMRESUME", out)
    b = out.split("@B", 1)[1] if "@B" in out else ""
    check(re.search(r"=> 0x[0-9a-f]+ <switch_host_tables\+\d+>:\s+vmwrite", b)
          is not None, "reverse-continue finds the bad VMWRITE", out)
    c = out.split("@C", 1)[1] if "@C" in out else ""
    n = insns_counts(out)
    check("No more reverse-execution history" in out and
          re.search(r"^vmx_exit_stub in section", c, re.M) is not None and
          len(n) >= 2 and n[0] == n[-1],
          "the history starts at the snapshot (the good VMWRITE is before it)",
          "%s\n%s" % (c, n))
    check("exited normally" in out and rc == 0 and
          sout.count("VM-instruction error 8") == 1 and
          "3 CPUID exits" in sout, "the restored run ends, its output once",
          sout + serr)


CASES = [case_break_step_regs_mem, case_reverse, case_nested,
         case_vmwrite_reverse, case_hw_watch, case_rwatch_awatch,
         case_watch_packets, case_ept_view, case_reverse_smp,
         case_smp_step, case_restore_gdb, case_protocol,
         case_interrupt_and_threads, case_tcp_and_qemu, case_usage_errors]


def main():
    if not shutil.which("gdb"):
        print("gdb not installed (Debian: gdb)")
        return 77
    for c in CASES:
        if ONLY and c.__name__[5:] not in ONLY:
            continue
        print("--", c.__name__)
        n = len(failures)
        c()
        print("   ", "ok" if len(failures) == n else "FAILED")
    shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
