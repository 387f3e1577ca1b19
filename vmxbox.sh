#!/usr/bin/env bash
# vmxbox developer entry point.
#   ./vmxbox.sh demo    install build deps if missing, build, boot the bundled firmware
#   ./vmxbox.sh test    install deps, build, run the test suite (normal + ASan/UBSan)
#   ./vmxbox.sh bench [--quick] [--only W,...]  vmxbox vs Bochs vs QEMU side by side, then the benchmarks under bench/
#   ./vmxbox.sh build   install deps and build only (vmxbox, without the tests)
#   ./vmxbox.sh deb     build a Debian package into dist/
# Works on a fresh Debian 12 machine; apt-get runs as root or through sudo.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

BUILD_DEPS=(meson ninja-build gcc libc6-dev pkg-config python3
	    libcbor-dev libev-dev libzydis-dev linux-libc-dev)
# The test suite (and benchmarks) on top of the build: check, the
# differential-test peers, what the package test needs, and cpio + xz-utils
# for tools/mk-linux-initramfs (tests/linux).
TEST_DEPS=(check libunicorn-dev clang qemu-system-x86 groff-base valgrind
	   dpkg-dev debhelper lintian bash-completion cpio xz-utils gdb)
DEB_DEPS=(dpkg-dev debhelper bash-completion)
# The side-by-side benchmark's peers and tools (bench/peers/README.md);
# dosfstools, mtools and syslinux make bench/linux_boot_bochs.sh's disk.
BENCH_DEPS=(bochs bochsbios vgabios bochs-term qemu-system-x86 valgrind
	    gnuplot-nox dosfstools mtools syslinux syslinux-common)
BUILD_DIR=build
ASAN_DIR=build-asan

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'vmxbox.sh: %s\n' "$*" >&2; exit 1; }

# Packages from the arguments that are not installed.
missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf '%s\n' "$p"
	done
}

install_deps() {
	local missing sudo=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		say "not a Debian system: make sure these are installed: $*"
		return 0
	fi
	mapfile -t missing < <(missing_packages "$@")
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "missing packages (${missing[*]}) and not root and no sudo: install them first"
		sudo=(sudo)
	fi
	say "installing ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# setup_and_build DIR [meson options...]: a new build directory gets the
# options; an existing one gets them only through force_options.
setup_and_build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		say "meson setup $dir $*"
		meson setup "$dir" "$@"
	fi
	say "ninja -C $dir"
	ninja -C "$dir"
}

# Print "passed failed skipped" for one build dir's last `meson test`.
count_results() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as log:
        for line in log:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
            elif r == "SKIP":
                s += 1
            else:
                f += 1
except OSError:
    f = 1
print(p, f, s)
PY
}

# run_suite DIR [meson test options]: meson test, printing failed tests' logs.
run_suite() {
	local dir=$1
	shift
	say "meson test -C $dir $*"
	meson test -C "$dir" --print-errorlogs "$@"
}

# vmxbox itself; the test suite needs more packages (TEST_DEPS).
cmd_build() {
	install_deps "${BUILD_DEPS[@]}"
	setup_and_build "$BUILD_DIR" -Dtests=false
}

cmd_demo() {
	cmd_build
	say "build/vmxbox run   (bundled firmware)"
	local status=0
	"$BUILD_DIR/vmxbox" run || status=$?
	say "vmxbox exited with status $status"
	return "$status"
}

cmd_test() {
	local passed=0 failed=0 skipped=0 p f s dir
	install_deps "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}"
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
	# LeakSanitizer needs ptrace, which many CI containers forbid.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
	# The package test (tests/package) builds the whole project once more.
	export VMXBOX_TEST_PACKAGE=1
	for dir in "$BUILD_DIR" "$ASAN_DIR"; do
		local opts=(-Dtests=true) test_opts=()
		if [ "$dir" = "$ASAN_DIR" ]; then
			opts+=(-Db_sanitize=address,undefined)
			# Sanitized code runs 2-3x slower.
			test_opts=(--timeout-multiplier=2)
		fi
		# A build directory made by `demo` has no tests: turn them on
		# (the packages they need were installed above).
		[ -f "$dir/build.ninja" ] && meson configure "$dir" "${opts[@]}"
		if ! setup_and_build "$dir" "${opts[@]}"; then
			say "build in $dir FAILED"
			failed=$((failed + 1))
			continue
		fi
		rm -f "$dir/meson-logs/testlog.json"
		local suite_status=0
		run_suite "$dir" "${test_opts[@]}" || suite_status=$?
		read -r p f s < <(count_results "$dir")
		# meson test failed but its log shows no failed test: it died
		# (or was killed) part-way, so the log is not the whole suite.
		if [ "$suite_status" -ne 0 ] && [ "$f" -eq 0 ]; then
			say "meson test in $dir exited with status $suite_status and no failed test in its log: counted as a failure"
			f=1
		fi
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
	[ "$skipped" -gt 0 ] && say "$skipped skipped (each printed its reason in the test log)"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

cmd_bench() {
	install_deps "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}" "${BENCH_DEPS[@]}"
	[ -f "$BUILD_DIR/build.ninja" ] && meson configure "$BUILD_DIR" -Dtests=true
	setup_and_build "$BUILD_DIR" -Dtests=true
	say "bench/peers/side_by_side.py (vmxbox, Bochs and QEMU on the same guest code)"
	bench/peers/side_by_side.py --build "$BUILD_DIR" "$@"
	say "micro-benchmarks (meson test --benchmark)"
	meson test -C "$BUILD_DIR" --benchmark --print-errorlogs
	say "bench/monitor_overhead.sh (VM entry/exit counters and tracing cost)"
	bench/monitor_overhead.sh "$BUILD_DIR"
}

# A Debian package, built from a scratch copy of the tracked source into
# dist/ (debian/; the package test in the suite does the same and checks it).
cmd_deb() {
	local base
	install_deps "${BUILD_DEPS[@]}" "${DEB_DEPS[@]}"
	base=$(mktemp -d)
	mkdir "$base/src"
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$base/src"
	say "dpkg-buildpackage -us -uc -b (in $base/src)"
	(cd "$base/src" && dpkg-buildpackage -us -uc -b)
	mkdir -p dist
	cp "$base"/vmxbox_*_amd64.deb dist/
	rm -rf "$base"
	say "dist/: $(ls dist)"
}

usage() {
	sed -n '2,8s/^# \{0,1\}//p' "$0"
}

case "${1:-}" in
demo) cmd_demo ;;
test) cmd_test ;;
bench) shift; cmd_bench "$@" ;;
build) cmd_build ;;
deb) cmd_deb ;;
-h|--help|help) usage ;;
*) usage >&2; exit 2 ;;
esac
