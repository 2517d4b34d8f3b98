#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# In the guest, with the module loaded: `kvm-xsave host --nfd` on the live
# host gives the same XCR0 and XSAVE2 size as `host --json`, and the
# module's contract.get_trims_to_cpuid as trims-on-get (TAP).

set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
kx=$repo/userspace/kvm-xsave
P=feature.node.kubernetes.io/kvm-xsave
echo "1..3"

json=$("$kx" host --json) || { echo "Bail out! host --json failed"; exit 1; }
nfd=$("$kx" host --nfd 2>&1)
rc=$?
xcr0=$(jq -r '.host.kvm_supported_xcr0 | ltrimstr("0x") | ltrimstr("0") ' <<<"$json")
size=$(jq -r '.host.kvm_xsave2_size' <<<"$json")
if [ $rc = 0 ] && grep -qx "$P.xcr0=0x$xcr0" <<<"$nfd" &&
	grep -qx "$P.xsave2-size=$size" <<<"$nfd"; then
	echo "ok 1 host --nfd: xcr0=0x$xcr0 and xsave2-size=$size, as host --json says"
else
	echo "not ok 1 host --nfd (exit $rc) against host --json (0x$xcr0, $size)"
	sed 's/^/    /' <<<"$nfd"
fi

names=$(jq -r '.host.kvm_supported_xcr0_names[]' <<<"$json" | sort | tr '\n' ' ')
got=$(sed -n "s|^$P\\.xcr0\\.\\(.*\\)=true\$|\\1|p" <<<"$nfd" | sort | tr '\n' ' ')
if [ -n "$names" ] && [ "$got" = "$names" ]; then
	echo "ok 2 one xcr0.NAME label per KVM-supported feature: $got"
else
	echo "not ok 2 feature labels '$got', host --json '$names'"
fi

trait=$(sed -n 's/^contract\.get_trims_to_cpuid: //p' /sys/kernel/debug/kvm_xsave_probe/info 2>/dev/null)
want=$([ "$trait" = yes ] && echo true || echo false)
if [ -n "$trait" ] && grep -qx "$P.trims-on-get=$want" <<<"$nfd"; then
	echo "ok 3 trims-on-get=$want from the loaded module's trait ($trait)"
else
	echo "not ok 3 trims-on-get: module trait '$trait', labels:"
	sed 's/^/    /' <<<"$nfd"
fi
