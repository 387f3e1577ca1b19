#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package: dpkg-buildpackage builds it from a copy of the source
# tree, lintian finds no error in it, and what it installs works from /usr:
# the unpacked package's vmxbox boots its bundled demo from its own
# /usr/share/vmxbox, vmxbox-qemu answers like QEMU, the manual pages render
# and the bash completion completes.  (The package is unpacked into a
# scratch root with dpkg-deb -x rather than installed on the machine.)
set -u
src=${MESON_SOURCE_ROOT:?}
# A whole second build of the project: the test command (./vmxbox.sh test,
# hence CI) runs it; a developer's plain `meson test` skips it unless
# VMXBOX_TEST_PACKAGE=1.
if [ "${VMXBOX_TEST_PACKAGE:-0}" != 1 ] && [ "${CI:-}" != true ]; then
	echo "SKIP: the package test runs under ./vmxbox.sh test or CI=true (or VMXBOX_TEST_PACKAGE=1)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$tmp/src"
if [ -d "$src/.git" ]; then
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 cp --parents -t "$tmp/src")
else
	(cd "$src" && tar cf - --exclude='./build*' --exclude=./obj-* .) |
		(cd "$tmp/src" && tar xf -)
fi
(cd "$tmp/src" && dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1) ||
	{ tail -30 "$tmp/build.log"; fail "dpkg-buildpackage"; }
deb=$(ls "$tmp"/vmxbox_*_amd64.deb) || fail "no .deb was built"
echo "ok   built $(basename "$deb")"

lintian --fail-on error "$deb" >"$tmp/lintian.log" 2>&1 ||
	{ cat "$tmp/lintian.log"; fail "lintian reports errors"; }
echo "ok   lintian: no errors"

root=$tmp/root
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x"
out=$("$root/usr/bin/vmxbox" run --timeout=120 2>&1) ||
	fail "the packaged vmxbox run exited $?: $out"
echo "$out" | grep -q "demo passed" || fail "no 'demo passed' in: $out"
echo "ok   /usr/bin/vmxbox run boots /usr/share/vmxbox/demo.elf"
"$root/usr/bin/vmxbox-qemu" --version | grep -q "^QEMU emulator version" ||
	fail "vmxbox-qemu --version"
echo "ok   /usr/bin/vmxbox-qemu --version"

for page in man1/vmxbox.1 man1/vmxbox-qemu.1 man5/vmxbox-snapshot.5; do
	zcat "$root/usr/share/man/$page.gz" | groff -man -Tutf8 -ww -z 2>"$tmp/groff" ||
		fail "$page does not render"
	[ -s "$tmp/groff" ] && { cat "$tmp/groff"; fail "$page: groff warnings"; }
done
zcat "$root/usr/share/man/man1/vmxbox.1.gz" | grep -q '^\.SS vmxbox report' ||
	fail "vmxbox(1) lacks a command"
echo "ok   manual pages render without warnings"

words=$(PATH="$root/usr/bin:$PATH" bash -c '
	. "$1"; COMP_WORDS=(vmxbox ""); COMP_CWORD=1; _vmxbox; echo "${COMPREPLY[*]}"
	COMP_WORDS=(vmxbox run --tra); COMP_CWORD=2; _vmxbox; echo "${COMPREPLY[*]}"' \
	_ "$root/usr/share/bash-completion/completions/vmxbox")
echo "$words" | grep -q "run caps ctl" || fail "completion of commands: $words"
echo "$words" | grep -q -- "--trace= --trace-out=" || fail "completion of options: $words"
echo "ok   bash completion"
echo "5 passed, 0 failed"
