#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tiny guest's own test, on the build machine: QEMU TCG runs both
# variants (pke, nopke) on -cpu max and on -cpu max,-pku. Each must report
# CPUID, the XCR0 and CR4 it set, ymm0 = the pattern and PKRU 0x55555554
# (0 without PKU), and report the same state again after a QMP inject-nmi.
#
# Usage: tests/qemu/guest_test.sh (after make tests). TAP, then
# "N passed, N failed, N skipped"; exit 1 on failure, 4 when QEMU is missing.

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ ! -x "$KXP_QEMU" ] || [ ! -x "$kxp_qmp" ] || [ ! -e "$kxp_guest_img-pke.rom" ]; then
	echo "1..0 # SKIP needs $KXP_QEMU and make tests (guest ROMs, kxp-qmp)"
	exit 4
fi
KXP_QEMU_RUN=$(mktemp -d /tmp/kxp-guest-test.XXXXXX) || exit 2
trap 'for j in "$KXP_QEMU_RUN"/*.job; do [ -e "$j" ] && kxp_qemu_quit "$(basename "$j" .job)"; done; rm -rf "$KXP_QEMU_RUN"' EXIT
echo "TAP version 13"

pkru_value=55555554
# CR4: OSFXSR | OSXMMEXCPT | OSXSAVE, plus PKE where it stays set.
cr4_base=00040600 cr4_pke=00440600

# one VARIANT CPU: boot, check the ready line, inject an NMI, check again.
one() {
	local variant=$1 cpu=$2 name=g-$1-${2//[,]/_} ready nmi pku want_pkru want_cr4 want_xcr0
	kxp_qemu_start "$name" "$variant" -accel tcg -cpu "$cpu"
	if [ "$cpu" = max ]; then
		pku=1 want_pkru=$pkru_value want_xcr0=00000207
		want_cr4=$cr4_base
		[ "$variant" = pke ] && want_cr4=$cr4_pke
	else
		pku=0 want_pkru=00000000 want_xcr0=00000007 want_cr4=$cr4_base
	fi
	ok "$variant on $cpu: reports ready within 60 s" \
		"kxp_wait_serial $name 'kxp-guest: (ready .*cr4=[0-9a-f]{8}|fault|no xsave|xcr0 lost)' 60"
	ok "$variant on $cpu: variant in the start line" \
		"[ \"\$(kxp_serial_line $name start)\" = 'kxp-guest: start variant=$variant' ]"
	ok "$variant on $cpu: CPUID xsave=1 avx=1 pku=$pku" \
		"kxp_serial_line $name cpuid | grep -q 'xsave=1 avx=1 pku=$pku '"
	ok "$variant on $cpu: XCR0 $want_xcr0 set" \
		"[ \"\$(kxp_field \"\$(kxp_serial_line $name xcr0)\" xcr0)\" = $want_xcr0 ]"
	ready=$(kxp_serial_line "$name" ready)
	ok "$variant on $cpu: ready: ymm0 is the pattern" \
		"[ \"\$(kxp_field \"\$ready\" ymm0)\" = $kxp_ymm0_pattern ]"
	ok "$variant on $cpu: ready: pkru=$want_pkru" "[ \"\$(kxp_field \"\$ready\" pkru)\" = $want_pkru ]"
	ok "$variant on $cpu: ready: cr4=$want_cr4" "[ \"\$(kxp_field \"\$ready\" cr4)\" = $want_cr4 ]"
	ok "$variant on $cpu: QMP inject-nmi" "kxp_qmp $name inject-nmi >/dev/null"
	ok "$variant on $cpu: the NMI is reported" "kxp_wait_serial $name 'kxp-guest: nmi 1 .*cr4=[0-9a-f]{8}' 30"
	nmi=$(kxp_serial_line "$name" 'nmi 1 ')
	ok "$variant on $cpu: nmi: same ymm0, pkru, cr4 as when ready" \
		"[ -n \"\$nmi\" ] && [ \"\${nmi#kxp-guest: nmi 1}\" = \"\${ready#kxp-guest: ready}\" ]"
	ok "$variant on $cpu: no fault" "! grep -aq 'kxp-guest: fault' $KXP_QEMU_RUN/$name.serial"
	kxp_qemu_quit "$name"
	if [ "$fail" -ne 0 ]; then
		kxp_show_qemu "$name"
	fi
}

for cpu in max max,-pku; do
	for variant in pke nopke; do
		one "$variant" "$cpu"
	done
done
kxp_done
