#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kvm-xsave end to end, in the guest, against the real module: the demo's
# migration scenario runs, and while its VMs live, `status`, `events`,
# `report`, `prom` and `--json` must show exactly what it did (JSON read
# with jq), and every one of those reader calls must exit 0.
#
# Usage (inside tests/vm/run): e2e_test.sh [source|destination [STATE DIR]]
#   source       on -cpu max: save STATE, keep DIR/host-max.json
#   destination  on -cpu max,-pku: load STATE, then compat DIR/host-max.json
#                against this host
# Without a mode, a host whose KVM has PKRU is the source, else the
# destination. DIR defaults to $KXP_E2E_DIR or build/e2e, STATE to DIR/xsave.
# Prints TAP and "N passed, N failed, N skipped"; exit 1 on failure.

set -u
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
reader=$repo/userspace/kvm-xsave
migrate=$repo/build/tests/migrate
dir=${3:-${KXP_E2E_DIR:-$repo/build/e2e}}
state=${2:-$dir/xsave}
mode=${1:-}
if [ -z "$mode" ]; then
	mode=destination
	"$reader" host --json | jq -e '.host.kvm_supported_xcr0_names | index("pkru")' \
		>/dev/null && mode=source
fi

n=0 pass=0 fail=0 skip=0
ok() {
	n=$((n + 1))
	if eval "$2"; then
		pass=$((pass + 1)); echo "ok $n $1"
	else
		fail=$((fail + 1)); echo "not ok $n $1"
	fi
}

# The checks run while migrate keeps its VMs (and so their records) alive.
if [ "${E2E_INNER:-}" = 1 ]; then
	out=$dir/$mode
	mkdir -p "$out"
	: >"$out/exit-status"
	# rec NAME CMD...: run CMD, append "NAME STATUS" to exit-status.
	rec() {
		local name=$1
		shift
		"$@"
		echo "$name $?" >>"$out/exit-status"
	}
	rec status "$reader" status --color=never >"$out/status.txt"
	rec status-json "$reader" status --json >"$out/status.json"
	rec events-json "$reader" events --json >"$out/events.json"
	rec events "$reader" events >"$out/events.txt"
	rec report "$reader" report -o "$out/report.txt"
	rec report-json "$reader" report --json >"$out/report.json"
	rec host-json "$reader" host --json >"$out/host.json"
	rec prom "$reader" prom -o "$out/metrics.prom"
	# SIGINT ends a follow with status 0 (kvm-xsave(1)). Sent once the
	# follow has streamed the events the snapshot listed: a fixed 8 s on
	# a loaded debug-kernel guest came before the reader was running.
	want=$(jq '.events | length' "$out/events.json")
	"$reader" events -f --json >"$out/events-f.json" &
	follower=$!
	deadline=$((SECONDS + 60 * ${KXP_TIMEOUT_FACTOR:-1}))
	while kill -0 "$follower" 2>/dev/null && [ $SECONDS -lt $deadline ] &&
	      [ "$(grep -c '"type": *"event"' "$out/events-f.json")" -lt "$want" ]; do
		sleep 0.2
	done
	kill -INT "$follower" 2>/dev/null
	# Still there 10 s after SIGINT: the follow did not stop (-k).
	(sleep 10 && kill -KILL "$follower" 2>/dev/null) &
	killer=$!
	wait "$follower"
	echo "events-f-json $?" >>"$out/exit-status"
	kill "$killer" 2>/dev/null
	exit 0
fi

echo "TAP version 13"
rm -rf "${dir:?}/$mode"
mkdir -p "$dir"
if ! E2E_INNER=1 "$migrate" "$mode" "$state" -- "$0" "$mode" "$state" "$dir"; then
	echo "not ok 1 $mode scenario ran"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
out=$dir/$mode
me=$(jq -r '.vcpus | map(select(.comm == "migrate")) | .[0].vm' "$out/status.json")
sel=".vcpus | map(select(.vm == \"$me\"))"
ev=".events | map(select(.vm == \"$me\"))"

ok "status --json is schema 1 and names our VM" \
	"jq -e '.schema == 1 and .command == \"status\"' $out/status.json >/dev/null && [ '$me' != null ]"
ok "events --json is schema 1" "jq -e '.schema == 1' $out/events.json >/dev/null"
ok "host --json has KVM's supported XCR0" \
	"jq -e '.host.kvm_available and (.host.kvm_supported_xcr0 | startswith(\"0x\"))' $out/host.json >/dev/null"
ok "report has the CPUID leaf 0xD and module sections" \
	"grep -qi 'cpuid' $out/report.txt && grep -q 'kvm_xsave_probe' $out/report.txt && grep -q 'seq=' $out/report.txt"
ok "report --json carries the module's events" \
	"jq -e '.module.available and (.module.events | length > 0)' $out/report.json >/dev/null"
grep -v ' 0$' "$out/exit-status" | sed 's/^/# exit status: /'
ok "all 9 reader calls exited 0 (events -f on SIGINT too)" \
	"[ \"\$(wc -l <$out/exit-status)\" = 9 ] && ! grep -qv ' 0\$' $out/exit-status"
ok "prom says kvm_xsave_up 1" "grep -qx 'kvm_xsave_up 1' $out/metrics.prom"
# wall is reconstructed from a clock pair each read samples anew: it may
# differ by the sampling jitter, so it is compared apart.
ok "events -f --json streamed the same events as events --json" \
	"jq -c '.events[] | del(.wall)' $out/events.json >$out/events.jsonl &&
	 jq -c 'select(.type == \"event\") | del(.type, .wall)' $out/events-f.json >$out/events-f.jsonl &&
	 [ -s $out/events.jsonl ] && cmp -s $out/events.jsonl $out/events-f.jsonl"
iso='^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2}$'
ok "every event has an ISO 8601 wall time, in both streams, and the clock pair" \
	"jq -e --arg re '$iso' '(.events | length > 0) and (.events | all(.wall | test(\$re))) and (.clock.monotonic | test(\"^[0-9]+\\\\.[0-9]{9}$\"))' $out/events.json >/dev/null &&
	 jq -se --arg re '$iso' 'map(select(.type == \"event\")) | length > 0 and all(.wall | test(\$re))' $out/events-f.json >/dev/null"

# prom_vm NAME: kvm_xsave_NAME summed over our VM's vCPUs, "none" if absent.
prom_vm() {
	awk -v p="kvm_xsave_$1{vm=\"$me\"," \
		'index($0, p) == 1 { s += $NF; n++ } END { print n ? s : "none" }' \
		"$out/metrics.prom"
}

# Without the 2023 KVM_SET_XSAVE ABI fix, vCPU 1's YMM load is refused.
before_fix=0
grep -qx 'contract.get_trims_to_cpuid: no' /sys/kernel/debug/kvm_xsave_probe/info 2>/dev/null &&
	before_fix=1

if [ "$mode" = source ] && [ $before_fix = 1 ]; then
	ok "two vCPUs of the scenario in status" \
		"[ \"\$(jq '$sel | length' $out/status.json)\" = 2 ]"
	ok "vCPU 1 (no AVX in CPUID, kernel without the fix) shows its ymm load rejected" \
		"jq -e '$sel | map(select(.vcpu == 1))[0] | .rejected_loads == 1 and .trimmed_gets == 0 and (.problems | map(select(.kind == \"rejected\"))[0].bits_names == [\"ymm\"])' $out/status.json >/dev/null"
	ok "vCPU 0 (full CPUID) has nothing trimmed" \
		"jq -e '$sel | map(select(.vcpu == 0))[0] | .trimmed_gets == 0 and .problems == []' $out/status.json >/dev/null"
	ok "the reject event: set_xsave not_permitted, ymm, -22" \
		"jq -e '$ev | map(select(.op == \"set_xsave\"))[0] | .vcpu == 1 and .reason == \"not_permitted\" and .bits_names == [\"ymm\"] and .ret == -22' $out/events.json >/dev/null"
	ok "status table names ymm as rejected" "grep -q 'ymm' $out/status.txt"
	ok "events text has the rejected line" \
		"grep -q 'migrate.* vcpu 1 set_xsave -EINVAL not_permitted \[known_regression_not_permitted\]: .*: ymm$' $out/events.txt"
	ok "prom: our VM has 1 rejected load and no trimmed GET" \
		"[ \"\$(prom_vm vcpu_rejected_loads_total)\" = 1 ] && [ \"\$(prom_vm vcpu_trimmed_gets_total)\" = 0 ]"
	cp "$out/host.json" "$dir/host-max.json"
	cp "$out/status.json" "$dir/status-max.json"
elif [ "$mode" = source ]; then
	ok "two vCPUs of the scenario in status" \
		"[ \"\$(jq '$sel | length' $out/status.json)\" = 2 ]"
	ok "vCPU 1 (no AVX in CPUID) shows ymm trimmed" \
		"jq -e '$sel | map(select(.vcpu == 1))[0] | .trimmed_gets == 1 and (.problems | map(select(.kind == \"trimmed\"))[0].bits_names == [\"ymm\"])' $out/status.json >/dev/null"
	ok "vCPU 0 (full CPUID) has nothing trimmed" \
		"jq -e '$sel | map(select(.vcpu == 0))[0] | .trimmed_gets == 0 and .problems == []' $out/status.json >/dev/null"
	ok "the trim event: get_xsave2, ymm, returned XSTATE_BV without it" \
		"jq -e '$ev | map(select(.op == \"get_xsave2\" and .reason == \"trimmed\"))[0] | .vcpu == 1 and .bits_names == [\"ymm\"] and .ret == 0' $out/events.json >/dev/null"
	ok "status table names ymm as trimmed" "grep -q 'ymm' $out/status.txt"
	ok "events text has the trimmed line" \
		"grep -q 'migrate.* vcpu 1 get_xsave2 trimmed \[trimmed_by_contract\]: .*: ymm$' $out/events.txt"
	ok "prom: our VM has no rejected load and 1 trimmed GET" \
		"[ \"\$(prom_vm vcpu_rejected_loads_total)\" = 0 ] && [ \"\$(prom_vm vcpu_trimmed_gets_total)\" = 1 ]"
	cp "$out/host.json" "$dir/host-max.json"
	cp "$out/status.json" "$dir/status-max.json"
else
	ok "the refused load: set_xsave unsupported, pkru, -22" \
		"jq -e '$ev | map(select(.op == \"set_xsave\"))[0] | .reason == \"unsupported\" and .bits_names == [\"pkru\"] and .ret == -22 and .errno == \"EINVAL\"' $out/events.json >/dev/null"
	ok "status shows the rejection of pkru" \
		"jq -e '$sel | .[0] | .rejected_loads == 1 and (.problems | map(select(.kind == \"rejected\"))[0].bits_names == [\"pkru\"])' $out/status.json >/dev/null"
	ok "this host's KVM has no pkru" \
		"jq -e '.host.kvm_supported_xcr0_names | index(\"pkru\") | not' $out/host.json >/dev/null"
	ok "prom: our VM has 1 rejected load (the pkru one)" \
		"[ \"\$(prom_vm vcpu_rejected_loads_total)\" = 1 ]"
	if [ -f "$dir/host-max.json" ]; then
		"$reader" compat "$dir/host-max.json" "$out/host.json" >"$out/compat.txt"
		rc=$?
		"$reader" compat --json "$dir/host-max.json" "$out/host.json" >"$out/compat.json"
		ok "compat max -> max,-pku: incompatible (exit 1)" "[ $rc = 1 ]"
		ok "compat names pkru as refused" \
			"jq -e '.refused_names == [\"pkru\"]' $out/compat.json >/dev/null && grep -q pkru $out/compat.txt"
		"$reader" compat "$out/host.json" "$dir/host-max.json" >/dev/null
		ok "compat max,-pku -> max: compatible (exit 0)" "[ $? = 0 ]"
		# The source's live VMs against this host: the PKRU vCPU of
		# the scenario's VM would be refused, and rightly so.
		src_vm=$(jq -r '.vcpus | map(select(.comm == "migrate")) | .[0].vm' "$dir/status-max.json")
		"$reader" compat --json "$dir/status-max.json" "$out/host.json" >"$out/compat-vms.json"
		rc=$?
		"$reader" compat "$dir/status-max.json" "$out/host.json" >"$out/compat-vms.txt"
		ok "compat status-max.json -> this host: exit 1, the source VM's vCPU 0 host_lacks_exposed_feature (pkru)" \
			"[ $rc = 1 ] && jq -e --arg vm '$src_vm' '.vms | map(select(.vm == \$vm and .vcpu == 0))[0] | .refused_names == [\"pkru\"] and .verdict.id == \"host_lacks_exposed_feature\" and .verdict.exposed == true' $out/compat-vms.json >/dev/null && grep -q 'host_lacks_exposed_feature' $out/compat-vms.txt"
	else
		n=$((n + 1)); skip=$((skip + 1))
		echo "ok $n compat # SKIP no host-max.json from the source run"
	fi
fi
echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
