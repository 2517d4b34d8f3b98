#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's tracepoints as trace-cmd and perf decode them.
#
# The tracefs format files must carry numbers, not the enum names of
# __print_symbolic (TRACE_DEFINE_ENUM): a tool that reads only the format
# file (trace-cmd, perf, libtraceevent) cannot evaluate KXP_REASON_*. Then
# tests/bpftrace/scenario.c provokes real rejected loads, a trimmed GET and
# a rejected KVM_SET_XCRS under `trace-cmd record` and under `perf record`,
# and every event the module logged for the scenario's VM (debugfs
# `events`: seq, op, reason) must appear decoded, with the same names, in
# `trace-cmd report` and in `perf script`.
#
# Skips (kselftest exit 4, with the reason): not root, no module, no
# /dev/kvm, a KVM with AVX-512 (the scenario says so), no trace-cmd; the
# perf test alone when Debian's perf has no build for the running kernel.
#
# Run inside the test VM:  tests/vm/run -- tests/bpftrace/tracecmd_test.sh
# Output: TAP, then "N passed, N failed, N skipped". Exit 0 all passed,
# 1 something failed, 4 everything skipped.

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo" || exit 1

scenario=$repo/build/tests/bpftrace_scenario
debugfs=/sys/kernel/debug/kvm_xsave_probe
tracefs=/sys/kernel/tracing
n=0 pass=0 fail=0 skip=0

echo "TAP version 13"
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }
finish() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -gt 0 ] && exit 1
	[ "$pass" -eq 0 ] && exit 4
	exit 0
}
bail_skip() { skip "tracepoints decoded by trace-cmd and perf" "$1"; finish; }

[ "$(id -u)" -eq 0 ] || bail_skip "not root"
[ -d "$debugfs" ] || bail_skip "kvm_xsave_probe is not loaded"
[ -e /dev/kvm ] || bail_skip "no /dev/kvm in this machine"
command -v trace-cmd >/dev/null || bail_skip "no trace-cmd (tests/vm/install-deps installs it)"
[ -d "$tracefs/events/kvm_xsave_probe" ] || bail_skip "no tracefs at $tracefs"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$scenario" ] || [ "$scenario" -ot tests/bpftrace/scenario.c ]; then
	make -s -f tests/bpftrace/bpftrace.mk BUILD="$repo/build" >"$tmp/make" 2>&1 ||
		{ not_ok "build $scenario"; diag <"$tmp/make"; finish; }
fi
"$scenario" >"$tmp/preflight" 2>&1
case $? in
0) ;;
4) bail_skip "$(tail -n 1 "$tmp/preflight")" ;;
*) not_ok "scenario runs"; diag <"$tmp/preflight"; finish ;;
esac

# 1. The format files: numbers where the enum names were.
bad=$(grep -l 'KXP_' "$tracefs"/events/kvm_xsave_probe/*/format)
if [ -z "$bad" ] &&
	grep -q '{ 1, "unsupported" }' "$tracefs/events/kvm_xsave_probe/kxp_set_xsave/format"; then
	ok "format files carry the op and reason values, not enum names"
else
	not_ok "format files carry the op and reason values, not enum names"
	grep -h 'print fmt' "$tracefs"/events/kvm_xsave_probe/*/format | cut -c1-300 | diag
fi

# expect_decoded NAME REPORT SCENARIO_OUT: every event the module logged for
# the scenario's VM is in REPORT as "seq=S ... op=O ... reason=R ".
expect_decoded() {
	local name=$1 report=$2 out=$3 vm want=0 found=0 seq op reason
	vm=$(sed -n 's/^scenario .* vm=\([^ ]*\) .*/\1/p' "$out")
	[ -n "$vm" ] || { not_ok "$name: scenario names its VM"; diag <"$out"; return; }
	grep " vm=$vm " "$debugfs/events" >"$tmp/$name.events"
	while read -r seq op reason; do
		want=$((want + 1))
		if grep -qE "seq=$seq tgid=[0-9]+ vm=$vm .* op=$op ret=-?[0-9]+ reason=$reason " "$report"; then
			found=$((found + 1))
		else
			echo "missing: seq=$seq op=$op reason=$reason" >>"$tmp/$name.missing"
		fi
	done < <(sed -E 's/^seq=([0-9]+) .* op=([a-z0-9_]+) ret=[-0-9]+ reason=([a-z0-9_]+) .*/\1 \2 \3/' \
		"$tmp/$name.events")
	# The scenario's rejects, at least: AVX-512, bit 60, every bit, XCR0.
	if [ "$want" -ge 4 ] && [ "$found" -eq "$want" ] &&
		grep -q 'reason=unsupported' "$tmp/$name.events" &&
		grep -q 'reason=xcr0_unsupported' "$tmp/$name.events"; then
		ok "$name decodes op and reason of all $want events of the scenario"
	else
		not_ok "$name decodes op and reason of all $want events of the scenario ($found found)"
		cat "$tmp/$name.missing" "$tmp/$name.events" 2>/dev/null | diag
		head -n 20 "$report" | diag
	fi
}

# 2. trace-cmd: record the scenario, report from the trace file.
if trace-cmd record -q -e kvm_xsave_probe -o "$tmp/trace.dat" \
	"$scenario" >"$tmp/tc.out" 2>"$tmp/tc.err" &&
	trace-cmd report -i "$tmp/trace.dat" >"$tmp/tc.report" 2>>"$tmp/tc.err"; then
	expect_decoded trace-cmd "$tmp/tc.report" "$tmp/tc.out"
else
	not_ok "trace-cmd record and report"
	diag <"$tmp/tc.err"
fi

# 3. perf, where Debian has a perf for this kernel (its wrapper says so).
if ! perf version >"$tmp/perf.version" 2>&1; then
	skip "perf decodes the tracepoints" \
		"no perf for kernel $(uname -r): $(head -n 1 "$tmp/perf.version")"
elif perf record -q -e 'kvm_xsave_probe:*' -o "$tmp/perf.data" -- \
	"$scenario" >"$tmp/perf.out" 2>"$tmp/perf.err" &&
	perf script -i "$tmp/perf.data" >"$tmp/perf.report" 2>>"$tmp/perf.err"; then
	expect_decoded perf "$tmp/perf.report" "$tmp/perf.out"
else
	not_ok "perf record and script"
	diag <"$tmp/perf.err"
fi
finish
