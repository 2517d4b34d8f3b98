#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest side of `make demo` (tests/demo/run). Inside a test VM with the
# module loaded, the host's own QEMU (through the 9p root) runs the tiny
# guest of tests/qemu/guest with -accel kvm -cpu host, as a VMM on a real
# host does, in two variants at once:
#   pke-guest    CR4.PKE set, as a Linux guest that uses protection keys
#   nopke-guest  PKRU in use, CR4.PKE cleared again
#
# Usage: qemu-demo.sh source DIR        boot both, QMP stop + migrate each to
#                                       DIR/NAME.mig; DIR/src-status.json
#        qemu-demo.sh destination DIR   -incoming each, cont, inject-nmi;
#                                       what QEMU and the guests printed,
#                                       then kvm-xsave status, events -v and
#                                       compat against DIR/src-status.json

set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../qemu/lib.sh"
reader=$kxp_repo/userspace/kvm-xsave
mode=${1:-} dir=${2:-}
case $mode in
source | destination) [ -n "$dir" ] ;;
*) false ;;
esac || { sed -n '10,15s/^# \{0,1\}//p' "$0"; exit 2; }
[ -c /dev/kvm ] && [ -d /sys/kernel/debug/kvm_xsave_probe ] ||
	{ echo "demo: needs /dev/kvm and the module (run inside tests/vm/run)" >&2; exit 2; }
# Nested under TCG everything is slow: QEMU itself takes seconds to start.
wait_s=180
export KXP_QMP_TIMEOUT=$wait_s
KXP_QEMU_RUN=$(mktemp -d /tmp/kxp-demo.XXXXXX) || exit 2
trap 'for j in "$KXP_QEMU_RUN"/*.job; do [ -e "$j" ] && kxp_qemu_quit "$(basename "$j" .job)"; done' EXIT
guests='pke nopke'
qemu_cmd="qemu-system-x86_64 -accel kvm -cpu host -m 64 -name guest=NAME ..."

# run ARG...: show a kvm-xsave command (without its --color), then run it.
run() {
	echo
	echo "\$ kvm-xsave ${*/--color=always/}"
	"$reader" "$@"
}

# serial NAME: what the guest printed, indented.
serial() {
	tr -d '\r' <"$KXP_QEMU_RUN/$1.serial" | grep -a 'kxp-guest' | sed 's/^/    /'
}

# boot NAME VARIANT QEMU-ARG...: start the guest and wait for its first
# report. A fresh nested QEMU now and then printed nothing at all while it
# booted SeaBIOS (docs/qemu.md; the guest is its own firmware now): after
# 60 s of silence it is started again, once, and that is said.
boot() {
	kxp_qemu_start "$@"
	if ! kxp_wait_serial "$1" 'kxp-guest' 60; then
		echo "$1: no output in 60 s; QEMU started again"
		kxp_qemu_quit "$1"
		kxp_qemu_start "$@"
	fi
	kxp_wait_serial "$1" "$kxp_ready_re" "$wait_s"
}

if [ "$mode" = source ]; then
	echo "Two guests, each with ymm0 = a pattern and PKRU = 0x55555554:"
	echo "  pke-guest    CR4.PKE set, as a Linux guest that uses protection keys has it"
	echo "  nopke-guest  CR4.PKE cleared again after WRPKRU (PKRU stays in its XSAVE state)"
	echo "\$ $qemu_cmd -bios guest-pke.rom     (then guest-nopke.rom)"
	# One after the other: each is stopped before the next starts.
	for v in $guests; do
		boot "$v-guest" "$v" -accel kvm -cpu host
		echo "$v-guest says:"
		serial "$v-guest" | grep -E 'start|ready|fault'
		rm -f "$dir/$v-guest.mig"
		kxp_qmp "$v-guest" stop "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"exec:cat > $dir/$v-guest.mig\"}}" >/dev/null &&
			kxp_wait_migrated "$v-guest" "$wait_s" ||
			{ echo "demo: the migration of $v-guest did not complete" >&2; exit 1; }
		echo "QMP stop; migrate \"exec:cat > $v-guest.mig\": completed, $(stat -c %s "$dir/$v-guest.mig") bytes"
	done
	run status --color=always
	echo "(XCR0 0x1: KVM never sees this guest's own XSETBV under TCG; docs/vm.md)"
	# Kept for compat on the destination: only the source knows which
	# features its guests were shown (docs/verdicts.md).
	"$reader" status --json >"$dir/src-status.json"
	exit
fi

echo "\$ $qemu_cmd -incoming \"exec:cat pke-guest.mig\"     (and nopke-guest.mig)"
for v in $guests; do
	[ -s "$dir/$v-guest.mig" ] || { echo "demo: no $dir/$v-guest.mig (run the source first)" >&2; exit 2; }
	kxp_qemu_start "$v-guest" "$v" -accel kvm -cpu host -incoming "exec:cat $dir/$v-guest.mig"
done
for v in $guests; do
	kxp_wait_status "$v-guest" paused "$wait_s" &&
		kxp_qmp "$v-guest" cont inject-nmi >/dev/null ||
		{ echo "demo: $v-guest did not reach paused, or cont failed" >&2; exit 1; }
	echo "$v-guest: QMP query-status: paused; cont; inject-nmi (the guest reports its state at an NMI)"
done
for v in $guests; do
	kxp_wait_serial "$v-guest" 'kxp-guest: (nmi 1 .*cr4=[0-9a-f]{8}|start|fault)' 60
done
# Until each refused load is seen to have been run on (the guests' next
# VM exit; the NMI reports above come after one anyway).
for ((i = 0; i < 30; i++)); do
	"$reader" status --json | jq -e '[.vcpus[] | select((.failed_loads | length) > 0 and
		(.ran_after_failed_load | not))] | length == 0' >/dev/null && break
	sleep 1
done
for v in $guests; do
	out=$KXP_QEMU_RUN/$v-guest.out
	echo
	echo "--- $v-guest: QEMU's stdout and stderr ($(wc -l <"$out") lines)"
	sed 's/^/    /' "$out"
	if grep -qiE 'put registers|failed to set|invalid argument' "$out"; then
		echo "    (QEMU reported the refused state)"
	else
		echo "    (nothing about a refused state: QEMU 7.2 ignores that error and runs on, docs/qemu.md)"
	fi
	echo "--- $v-guest: its serial after cont and the NMI"
	serial "$v-guest"
	nmi=$(kxp_serial_line "$v-guest" 'nmi 1 ')
	if grep -aq 'kxp-guest: start' "$KXP_QEMU_RUN/$v-guest.serial"; then
		echo "    (it started again from its reset vector: the migrated guest is gone)"
	elif grep -aq 'kxp-guest: fault' "$KXP_QEMU_RUN/$v-guest.serial"; then
		echo "    (it faulted: it ran on without the state it was given, docs/qemu.md)"
	elif [ "$(kxp_field "$nmi" ymm0)" = "$kxp_ymm0_pattern" ]; then
		echo "    (its ymm0 arrived)"
	else
		echo "    (its ymm0 did not arrive)"
	fi
done
run status --color=always
run events -v --color=always
# TCG marks MPX state in use at guest entries; KVM on AMD has no MPX.
"$reader" events --json | jq -e '[.events[] | select(.op == "get_xsave2" and
	((.bits_names // []) | index("bndcsr")))] | length > 0' >/dev/null &&
	echo "(the bndcsr trims: TCG marks MPX state in use, which KVM on AMD never gives a guest; real hardware does not show them)"
echo
echo "\$ kvm-xsave host --json >dst-host.json"
"$reader" host --json >"$KXP_QEMU_RUN/dst-host.json"
echo "\$ kvm-xsave compat src-status.json dst-host.json"
"$reader" compat "$dir/src-status.json" "$KXP_QEMU_RUN/dst-host.json"
# Exit 1: a VM would be refused, which is the answer shown.
[ $? = 1 ]
