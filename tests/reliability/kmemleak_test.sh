#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No leak of the module after it is gone, by kmemleak (the debug kernel,
# CONFIG_DEBUG_KMEMLEAK). Loads the module (unless it is loaded), runs two
# test programs against it (vCPU records, rejects, trims, events), unloads
# it, waits out kmemleak's minimum object age (5 s), scans twice, and fails
# on any unreferenced object whose backtrace runs through the module: a
# frame named kvm_xsave_probe, or an address in its last load's text
# (unloaded code prints as a bare address). Other reported objects are
# listed as comments: tests/vm/run fails the run on them anyway.
# Skips when the kernel has no kmemleak. Meant for the guest, after the
# tests that reload the module (they leave their leaks for this scan).
# Prints TAP and "N passed, N failed, N skipped".

set -u -o pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
kmemleak=/sys/kernel/debug/kmemleak
name=kvm_xsave_probe
n=0 pass=0 fail=0 skip=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
finish() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -gt 0 ] && exit 1
	[ "$pass" -eq 0 ] && exit 4
	exit 0
}

echo "TAP version 13"
if [ ! -e $kmemleak ]; then
	skip "kmemleak" "no $kmemleak (kernel without CONFIG_DEBUG_KMEMLEAK)"
	finish
fi
[ "$(id -u)" -eq 0 ] || { skip "kmemleak" "not root"; finish; }

if [ ! -d /sys/module/$name ]; then
	if ! out=$(insmod "${KXP_MODULE:-}" 2>&1); then
		not_ok "insmod ${KXP_MODULE:-(KXP_MODULE unset)}"
		echo "# $out"
		finish
	fi
fi
for t in set_xsave_test get_xsave_test; do
	"$repo/build/tests/$t" >/tmp/kmemleak-$t.out 2>&1 ||
		echo "# $t exited $? (its own stage judges it)"
done

# The module's core text and data: base and size from /proc/modules.
read -r _ size _ _ _ base _ < <(grep "^$name " /proc/modules)
if [ -z "${base:-}" ] || [ "$base" = 0x0000000000000000 ]; then
	not_ok "address of $name in /proc/modules"
	finish
fi
lo=$((base)) hi=$((base + size))
if ! out=$(rmmod $name 2>&1); then
	not_ok "rmmod $name"
	echo "# $out"
	finish
fi
ok "rmmod $name"

# An object is reported once a scan finds it unreferenced and unchanged
# since the scan before (auto scan is off): two scans.
sleep 6
scan_ok=1
for _ in 1 2; do
	echo scan >$kmemleak 2>/tmp/kmemleak.err || scan_ok=0
done
if [ $scan_ok = 0 ]; then
	not_ok "kmemleak scans (disabled? see dmesg)"
	sed 's/^/# /' /tmp/kmemleak.err
	finish
fi
ok "kmemleak scans"

# One object per block; ours if a frame names the module or lies in its
# text. Frame lines: "    [<ADDR>] SYMBOL+OFF/LEN [module]" or "... 0xADDR".
cat $kmemleak >/tmp/kmemleak.txt
objs=0 ours=0 block='' mine=0
flush() {
	[ -n "$block" ] || return 0
	objs=$((objs + 1))
	if [ $mine = 1 ]; then
		ours=$((ours + 1))
		sed 's/^/# ours: /' <<<"$block"
	else
		sed 's/^/# other: /' <<<"$block"
	fi
	block='' mine=0
}
while IFS= read -r line; do
	case $line in
	"unreferenced object "*) flush ;;
	esac
	block+=${block:+$'\n'}$line
	case $line in
	*"$name"*) mine=1 ;;
	*"] 0x"*)
		a=${line##* }
		(( $((a)) >= lo && $((a)) < hi )) && mine=1
		;;
	esac
done </tmp/kmemleak.txt
flush
if [ $ours -eq 0 ]; then
	ok "no leaked object of $name ($objs reported in all)"
else
	not_ok "no leaked object of $name: $ours of $objs reported are ours"
fi
finish
