#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/prometheus/rules_test.sh: the alerting rules shipped in the package
# (userspace/prometheus/kvm-xsave.rules.yml), on this machine (TAP):
#   1. promtool check rules
#   2. promtool test rules, with input series made here from what the real
#      reader prints (`kvm-xsave prom`) against the unit-test fixtures:
#      a host scraped every minute whose debugfs goes from one fixture to
#      the next (e.g. good, then amx: a kprobe starts missing calls).
# Usage: tests/prometheus/rules_test.sh [KVM_XSAVE] (default: the tree's
# userspace/kvm-xsave). The generated test file stays in
# build/prometheus/rules-test.yml.

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
reader=${1:-$repo/userspace/kvm-xsave}
fixtures=$repo/tests/userspace/fixtures
rules=$repo/userspace/prometheus/kvm-xsave.rules.yml
out=$repo/build/prometheus
mkdir -p "$out" || exit 2
test_file=$out/rules-test.yml

# Samples per phase: one a minute, longer than every rule's `for: 10m`.
readonly N=15
# The labels Prometheus adds when it scrapes node_exporter's textfile.
readonly INSTANCE='instance="hv1:9100",job="node"'

echo "1..2"
if ! command -v promtool >/dev/null; then
	echo "ok 1 # SKIP promtool missing (Debian package prometheus, tests/vm/install-deps)"
	echo "ok 2 # SKIP promtool missing"
	exit 0
fi
if msg=$(promtool check rules "$rules" 2>&1); then
	echo "ok 1 promtool check rules: $(grep -o 'SUCCESS.*' <<<"$msg")"
else
	sed 's/^/    /' <<<"$msg"
	echo "not ok 1 promtool check rules"
fi

# input_series for one host whose debugfs is FIXTURE1 for N minutes, then
# FIXTURE2, ...: every sample line `kvm-xsave prom` prints, one series per
# name and labels, missing ('_') in the phases that do not print it.
series_from() {
	local fx
	for fx in "$@"; do
		KXP_DEBUGFS=$fixtures/$fx/kvm_xsave_probe "$reader" prom 2>/dev/null
		# Exit 3/4 (not loaded, unmounted) still print kvm_xsave_up 0.
		echo "#phase"
	done | awk -v n="$N" -v inst="$INSTANCE" '
		BEGIN { phase = 0 }
		/^#phase/ { phase++; next }
		/^#/ || NF == 0 { next }
		{
			v = $NF; key = $0; sub(/ [^ ]+$/, "", key)
			# What a scrape of node_exporter adds.
			if (key ~ /}$/) sub(/}$/, "," inst "}", key)
			else key = key "{" inst "}"
			if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
			val[key, phase] = v
		}
		END {
			for (i = 1; i <= nkeys; i++) {
				k = keys[i]; s = ""
				for (p = 0; p < phase; p++)
					s = s (((k, p) in val) ? val[k, p] "+0x" (n - 1) : "_x" n) " "
				gsub(/'\''/, "'\'''\''", k)
				printf "      - series: '\''%s'\''\n        values: '\''%s'\''\n", k, s
			}
		}'
}

# One test group: NAME FIXTURE... then the alert tests on stdin.
group() {
	local name=$1
	shift
	printf '  - name: %s\n    interval: 1m\n    input_series:\n' "$name"
	series_from "$@"
	echo "    alert_rule_test:"
	cat
}

# No alert from a healthy host, at any rule.
no_alerts_at() {
	local t=$1 a
	for a in KvmXsaveRejectedLoad KvmXsaveModuleNotLoaded KvmXsaveUnreadable \
		KvmXsaveEventsDropped KvmXsaveProbeMissedCalls KvmXsaveProbeNotArmed; do
		printf '      - alertname: %s\n        eval_time: %s\n' "$a" "$t"
	done
}

# An alert expected at TIME: NAME TIME LABELS SUMMARY DESCRIPTION (labels
# as YAML flow-map entries; the scrape's instance and job are added).
fires() {
	printf '      - alertname: %s\n        eval_time: %s\n' "$1" "$2"
	printf '        exp_alerts:\n          - exp_labels: {%s, instance: "hv1:9100", job: node}\n' "$3"
	printf '            exp_annotations:\n              summary: %s\n              description: %s\n' \
		"$(yaml_str "$4")" "$(yaml_str "$5")"
}
yaml_str() {
	printf "'%s'" "${1//\'/\'\'}"
}
silent() {
	printf '      - alertname: %s\n        eval_time: %s\n' "$1" "$2"
}

{
	printf 'rule_files:\n  - %s\nevaluation_interval: 1m\ntests:\n' "$rules"
	# trim_only: a trim the contract requires is no alert.
	group healthy trim_only trim_only < <(no_alerts_at 5m; no_alerts_at 25m)
	# ring_gap's ring overwrote 3 events: dropped 0 -> 3.
	group events_dropped empty ring_gap < <(
		silent KvmXsaveEventsDropped 10m
		fires KvmXsaveEventsDropped 16m 'severity: info' \
			'kvm_xsave_probe dropped 3 events on hv1:9100' \
			'The event ring was full; reload the module with a larger ring_size to keep them.')
	# amx: kvm_arch_vcpu_destroy's probe failed(-2) with nmissed=2.
	group probes good amx < <(
		fires KvmXsaveProbeMissedCalls 16m 'severity: warning, symbol: kvm_arch_vcpu_destroy' \
			'kprobe on kvm_arch_vcpu_destroy missed 2 calls on hv1:9100' \
			'The counters undercount; reload kvm_xsave_probe with a larger maxactive.'
		silent KvmXsaveProbeNotArmed 20m
		fires KvmXsaveProbeNotArmed 26m \
			'severity: warning, symbol: kvm_arch_vcpu_destroy, state: "failed(-2)"' \
			'kprobe on kvm_arch_vcpu_destroy is failed(-2) on hv1:9100' \
			'That path is not watched; `kvm-xsave report` shows why.')
	group module_unloaded good nomodule < <(
		silent KvmXsaveModuleNotLoaded 20m
		fires KvmXsaveModuleNotLoaded 26m 'severity: warning, reason: module_not_loaded' \
			'kvm_xsave_probe is not loaded on hv1:9100' \
			'kvm-xsave prom reports module_not_loaded: `modprobe kvm_xsave_probe` (DKMS builds it for every kernel with headers).'
		silent KvmXsaveUnreadable 26m)
	group debugfs_unmounted good unmounted < <(
		fires KvmXsaveUnreadable 26m 'severity: warning, reason: debugfs_not_mounted' \
			'kvm-xsave cannot read kvm_xsave_probe on hv1:9100: debugfs_not_mounted' \
			'kvm_xsave_up is 0 with reason debugfs_not_mounted; see EXIT STATUS in kvm-xsave(1).'
		silent KvmXsaveModuleNotLoaded 26m)

	# A host with nothing seen, then the good fixture's vCPUs: two error
	# verdicts (930-12's XCR0, 1044-9's compacted buffer) appear at 15m and
	# fire; the warning one (812-11's state_for_unexposed_feature) does
	# not; 10 minutes without a new reject, they are quiet again.
	vd='KVM refused the XSAVE state of vCPU %s of VM %s (%s)'
	group error_verdict empty good good < <(
		silent KvmXsaveRejectedLoad 5m
		printf '      - alertname: KvmXsaveRejectedLoad\n        eval_time: 17m\n        exp_alerts:\n'
		for a in '930-12|0|qemu-kvm|set_xcrs|xcr0_unsupported|xcr0_outside_cpuid' \
			 '1044-9|0|cloud-hyperviso|set_xsave|compacted|malformed_buffer'; do
			IFS='|' read -r vm cpu comm op reason verdict <<<"$a"
			printf '          - exp_labels: {vm: "%s", vcpu: "%s", comm: "%s", op: %s, reason: %s, verdict: %s, severity: error, instance: "hv1:9100", job: node}\n' \
				"$vm" "$cpu" "$comm" "$op" "$reason" "$verdict"
			# shellcheck disable=SC2059
			printf '            exp_annotations:\n              summary: %s\n              description: %s\n' \
				"$(yaml_str "$(printf "$vd" "$cpu" "$vm" "$comm")")" \
				"$(yaml_str "Verdict $verdict ($reason) on hv1:9100 in the last 10 minutes: \`kvm-xsave events\` on that host names the refused features.")"
		done
		silent KvmXsaveRejectedLoad 40m)
} >"$test_file"

if msg=$(promtool test rules "$test_file" 2>&1); then
	echo "ok 2 promtool test rules: 6 groups from kvm-xsave prom output ($test_file)"
else
	sed 's/^/    /' <<<"$msg"
	echo "not ok 2 promtool test rules $test_file"
fi
