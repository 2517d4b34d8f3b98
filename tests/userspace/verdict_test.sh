#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Verdicts end to end, in the guest on a host without PKRU (-cpu max,-pku):
# verdict_scenario makes one real KVM call per verdict this host can reach
# (see its header), and the reader's events, status and prom, read while
# its vCPUs live, must give each call its verdict, with the exposure, the
# requested_xcr0 the module read from the VMM's CPUID, and the remedy in
# QEMU's and libvirt's terms.
#
# Usage (inside tests/vm/run, module loaded; KXP_MODULE names the .ko to
# reload): verdict_test.sh. Prints TAP and "N passed, N failed, N skipped";
# exit 1 on failure, 4 when the host can load PKRU or has no module file.

set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
reader=$repo/userspace/kvm-xsave
scenario=$repo/build/tests/verdict_scenario
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

n=0 pass=0 fail=0
ok() {
	n=$((n + 1))
	if eval "$2"; then
		pass=$((pass + 1)); echo "ok $n $1"
	else
		fail=$((fail + 1)); echo "not ok $n $1"
	fi
}
skip_all() {
	echo "1..0 # SKIP $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 4
}

[ -r "${KXP_MODULE:-}" ] || skip_all "KXP_MODULE does not name the module file"
"$reader" host --json | jq -e '.host.kvm_supported_xcr0_names | index("pkru")' \
	>/dev/null && skip_all "this host's KVM loads PKRU: run it on -cpu max,-pku"

# vCPU 4 must get its CPUID while the module is away.
rmmod kvm_xsave_probe || skip_all "cannot unload kvm_xsave_probe"
mkfifo "$work/ctl"
"$scenario" <"$work/ctl" >"$work/out" 2>"$work/err" &
exec 3>"$work/ctl"
wait_for() {
	local i
	for i in $(seq 1 $((300 * ${KXP_TIMEOUT_FACTOR:-1}))); do
		grep -qx "$1" "$work/out" && return 0
		kill -0 $! 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
wait_for phase=load_module
insmod "$KXP_MODULE"
ok "the module is back for the rest of the scenario" \
	'grep -q "^kvm_xsave_probe " /proc/modules'
echo go >&3
ok "scenario: every call returned what its step expects" 'wait_for done && ! [ -s "$work/err" ]'
cat "$work/out" "$work/err"
vm=$(sed -n 's/^vm=\([^ ]*\) .*/\1/p' "$work/out")
vm_b=$(sed -n 's/.* vm_b=//p' "$work/out")

"$reader" events --json >"$work/events.json"
"$reader" status --json >"$work/status.json"
"$reader" events -v >"$work/events.txt"
"$reader" status >"$work/status.txt"
"$reader" prom >"$work/prom.txt"
ok "events, status and prom exit 0" '[ -s "$work/events.json" ] && [ -s "$work/prom.txt" ]'

# The event of VM $vm, vCPU $1, op $2 that the jq filter $3 must hold for.
event() {
	jq -e --arg vm "$2" --argjson cpu "$3" --arg op "$4" \
		"[.events[] | select(.vm == \$vm and .vcpu == \$cpu and .op == \$op)] | last | $5" \
		"$work/events.json" >/dev/null
}
vcpu() {
	jq -e --arg vm "$1" --argjson cpu "$2" \
		".vcpus[] | select(.vm == \$vm and .vcpu == \$cpu) | $3" \
		"$work/status.json" >/dev/null
}

ok "requested_xcr0 is what vCPU 0's CPUID asked for (0x207), not KVM's mask" \
	'vcpu "$vm" 0 ".requested_xcr0 == \"0x207\" and .guest_supported_xcr0 == \"0x7\""'
ok "a PKRU load on a vCPU whose CPUID asks for PKRU: host_lacks_requested_feature, exposed" \
	'event x "$vm" 0 set_xsave ".reason == \"unsupported\" and .verdict.id == \"host_lacks_requested_feature\" and .verdict.severity == \"error\" and .verdict.exposed == true and .requested_xcr0_names == [\"fp\",\"sse\",\"ymm\",\"pkru\"]"'
ok "...and says why this host lacks it: -cpu max,-pku offers no pku (/proc/cpuinfo)" \
	'event x "$vm" 0 set_xsave ".verdict.remedy | test(\"the CPU, or the hypervisor below, does not offer pku\")"'
ok "the remedy in QEMU's and libvirt's terms" \
	'grep -q -- "-cpu MODEL,-pku" "$work/events.txt" && grep -q "<feature policy=.disable. name=.pku./>" "$work/events.txt"'
ok "a PKRU load on a vCPU whose CPUID does not ask for it: state_for_unexposed_feature, exposed unknown" \
	'event x "$vm" 1 set_xsave ".verdict.id == \"state_for_unexposed_feature\" and .verdict.severity == \"warning\" and .verdict.exposed == null and .requested_xcr0 == \"0x7\""'
ok "...whose remedy says what decides it (compat with the source's status)" \
	'event x "$vm" 1 set_xsave ".verdict.remedy | test(\"kvm-xsave compat\")"'
ok "a vCPU configured before the module loaded: requested_xcr0 unknown, exposed unknown" \
	'event x "$vm" 4 set_xsave ".verdict.id == \"host_lacks_feature_cpuid_unknown\" and .verdict.exposed == null and .requested_xcr0 == null" && vcpu "$vm" 4 ".requested_xcr0 == null"'
if jq -e '.module.contract.get_trims_to_cpuid == true' "$work/status.json" >/dev/null; then
	ok "a GET trimming YMM the CPUID hides: trimmed_by_contract, info, exposed false" \
		'event x "$vm" 2 get_xsave2 ".reason == \"trimmed\" and .bits_names == [\"ymm\"] and .verdict.id == \"trimmed_by_contract\" and .verdict.severity == \"info\" and .verdict.exposed == false"'
	ok "...and that vCPU has no problem: not marked in status, JSON or prom" \
		'vcpu "$vm" 2 ".has_problem == false" && ! grep -q "^! *$vm *2 " "$work/status.txt" && grep -q "kvm_xsave_vcpu_problem{vm=\"$vm\",vcpu=\"2\",[^}]*} 0" "$work/prom.txt"'
else
	ok "before the 2023 fix, YMM state the CPUID hides is refused: known_regression_not_permitted" \
		'event x "$vm" 2 set_xsave ".reason == \"not_permitted\" and .verdict.id == \"known_regression_not_permitted\" and .verdict.exposed == false and (.verdict.cause | test(\"18164f66e6c5\"))"'
fi
ok "an XCOMP_BV buffer: malformed_buffer" \
	'event x "$vm" 3 set_xsave ".reason == \"compacted\" and .verdict.id == \"malformed_buffer\""'
ok "XCR0 with YMM on a vCPU whose CPUID hides it: xcr0_outside_cpuid, the CPU models differ" \
	'event x "$vm" 5 set_xcrs ".verdict.id == \"xcr0_outside_cpuid\" and .verdict.exposed == true and (.verdict.cause | test(\"CPU models\"))"'
ok "a CPUID change after KVM_RUN: cpuid_refused" \
	'event x "$vm_b" 0 set_cpuid ".reason == \"rejected\" and .verdict.id == \"cpuid_refused\""'
ok "every QEMU start's CPUID: cpuid_changed, info" \
	'event x "$vm" 0 set_cpuid ".verdict.id == \"cpuid_changed\" and .verdict.severity == \"info\""'
ok "status: per-reason tallies become verdict rows, problems carry them" \
	'vcpu "$vm" 0 "(.verdicts | map(.verdict.id) == [\"host_lacks_requested_feature\"]) and .problems[0].verdict.id == \"host_lacks_requested_feature\" and .has_problem" && grep -q "rejected load x1 (unsupported) \[host_lacks_requested_feature\]" "$work/status.txt"'
ok "prom: rejected loads by verdict, with the severity to alert on" \
	'grep -q "kvm_xsave_vcpu_rejected_loads_by_verdict_total{vm=\"$vm\",vcpu=\"0\",[^}]*verdict=\"host_lacks_requested_feature\",severity=\"error\"} 1" "$work/prom.txt"'

exec 3>&-
wait
echo "1..$n"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
