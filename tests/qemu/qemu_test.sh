#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real VMM in front of the module: the host's own QEMU (through the guest's
# 9p root) runs the tiny guest (tests/qemu/guest) with -accel kvm on the
# test VM's KVM, migrates it through a file with QMP stop / migrate
# "exec:cat > FILE", and loads it with -incoming "exec:cat FILE" / cont.
# Every check reads kvm-xsave --json (jq) while that QEMU lives, plus the
# guest's own serial report of ymm0 and PKRU (after an NMI).
#
# Usage (inside tests/vm/run, module loaded):
#   qemu_test.sh source        on -cpu max: the pke and nopke guests and a
#                              guest on -cpu host,-pku save their state into
#                              DIR; the first two load back here (control)
#   qemu_test.sh destination   on -cpu max,-pku: loads what source saved,
#                              with this QEMU and with a newer one when
#                              $KXP_QEMU_NEWER names it (tests/qemu/stage)
# Without a mode: source where this KVM offers PKRU, else destination.
# DIR is $KXP_QEMU_DIR, default build/qemu (the writable share). Every QEMU
# runs under strace -f -e trace=ioctl, whose count of KVM_SET_XSAVE,
# KVM_GET_XSAVE2, KVM_SET_XCRS, KVM_SET_SREGS2 calls must equal the
# module's (log_all=1 is set here). TAP, then "N passed, N failed, N skipped"; exit 1 on failure.

set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
reader=$kxp_repo/userspace/kvm-xsave
mode=${1:-}
dir=${KXP_QEMU_DIR:-$kxp_repo/build/qemu}
# Nested under TCG everything is slow: QEMU itself takes seconds to start.
wait_s=$((180 * ${KXP_TIMEOUT_FACTOR:-1}))
ready_re=$kxp_ready_re
export KXP_QMP_TIMEOUT=$wait_s

if [ -z "$mode" ] && [ -x "$reader" ]; then
	mode=destination
	"$reader" host --json | jq -e '.host.kvm_supported_xcr0_names | index("pkru")' \
		>/dev/null && mode=source
fi
case $mode in
source | destination) ;;
*) sed -n '9,19s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
echo "TAP version 13"
if [ ! -c /dev/kvm ] || [ ! -d /sys/kernel/debug/kvm_xsave_probe ]; then
	echo "1..0 # SKIP needs /dev/kvm and the module loaded (run inside tests/vm/run)"
	exit 4
fi
if [ ! -x "$KXP_QEMU" ] || [ ! -x "$kxp_qmp" ] || [ ! -x "$reader" ]; then
	echo "1..0 # SKIP needs $KXP_QEMU, make tests and make userspace"
	exit 4
fi
if ! command -v strace >/dev/null; then
	echo "1..0 # SKIP needs strace to count QEMU's ioctls"
	exit 4
fi
echo 1 >/sys/module/kvm_xsave_probe/parameters/log_all || exit 2
mkdir -p "$dir" || exit 2
KXP_QEMU_RUN=$(mktemp -d /tmp/kxp-qemu.XXXXXX) || exit 2
cleanup() {
	local j
	for j in "$KXP_QEMU_RUN"/*.job; do
		[ -e "$j" ] && kxp_qemu_quit "$(basename "$j" .job)"
	done
}
trap cleanup EXIT

# start NAME VARIANT QEMU-ARG...: the guest under strace, on this KVM.
start() {
	local name=$1
	KXP_QEMU_WRAP=(strace -f -qq -e trace=ioctl -e signal=none -o "$KXP_QEMU_RUN/$name.strace")
	kxp_qemu_start "$@" -accel kvm
	pid=$(kxp_qemu_pid "$name")
	echo "# $name: QEMU pid ${pid:-none}"
}

# snapshot NAME: the reader's status and events while QEMU lives.
snapshot() {
	local r=$KXP_QEMU_RUN/$1
	"$reader" status --json >"$r.status.json"
	echo "$?" >"$r.status.rc"
	"$reader" events --json >"$r.events.json"
	echo "$?" >"$r.events.rc"
}

# jqs NAME FILTER / jqe NAME FILTER: jq on NAME's status / events document,
# with $pid bound to that QEMU's pid.
jqs() { jq -r --argjson pid "$pid" "$2" "$KXP_QEMU_RUN/$1.status.json"; }
jqe() { jq -r --argjson pid "$pid" "$2" "$KXP_QEMU_RUN/$1.events.json"; }

# The vCPU row and events of this QEMU.
row='[.vcpus[] | select(.pid == $pid)]'
evs='[.events[] | select(.pid == $pid)]'

# Check that the reader ran fine and knows this QEMU's vCPU 0.
check_attribution() {
	local name=$1
	ok "$name: status and events --json exit 0" \
		"[ \"\$(cat $KXP_QEMU_RUN/$name.status.rc $KXP_QEMU_RUN/$name.events.rc)\" = \$'0\\n0' ]"
	vm=$(jqs "$name" "$row | .[0].vm // empty")
	ok "$name: one vCPU row, vCPU 0, VM <pid>-<fd> of this QEMU (pid $pid, vm ${vm:-none})" \
		"[ \"\$(jqs $name '$row | length')\" = 1 ] && [ \"\$(jqs $name '$row | .[0].vcpu')\" = 0 ] && [[ \$vm =~ ^$pid-[0-9]+\$ ]]"
	# Names as operators know them: ps's process name, QEMU's vCPU
	# thread, the -name guest= of its command line (kxp_qemu_start).
	ok "$name: vCPU row: comm qemu-system-x86, thread_comm CPU?0/KVM, guest $name" \
		"[ \"\$(jqs $name '$row | .[0] | \"\\(.comm) \\(.thread_comm) \\(.guest)\"')\" = 'qemu-system-x86 CPU?0/KVM $name' ]"
	ok "$name: its events: comm qemu-system-x86, thread_comm CPU?0/KVM, guest $name" \
		"[ \"\$(jqe $name '$evs | map(\"\\(.comm) \\(.thread_comm) \\(.guest)\") | unique | join(\";\")')\" = 'qemu-system-x86 CPU?0/KVM $name' ]"
}

# count_strace NAME IOCTL: QEMU's calls of IOCTL, from strace.
count_strace() {
	grep -cE "ioctl\\([0-9]+, $2," "$KXP_QEMU_RUN/$1.strace"
}

# finish NAME: the vCPU counters while QEMU lives, then quit; once strace
# has written everything, each ioctl the module watches must be counted as
# often as QEMU made it: as events of this pid (log_all=1) and in the
# vCPU's counters. QEMU synchronizes the registers again whenever the guest
# resets, and dst-pke, running on from a state nobody chose, may do so at
# any time: such a round trip must not fall between the read and the quit.
# So the guest is stopped first, and the counters read until two reads
# agree (a reset QEMU had queued is still carried out after stop). Then
# QEMU's own output for the log.
finish() {
	local name=$1 op ioctl s e c counter last=$KXP_QEMU_RUN/$1.last.json i
	local counters='[.set_xsave, .get_xsave, .set_xcrs, .set_sregs]'
	kxp_qmp "$name" stop >/dev/null
	"$reader" status --json >"$last"
	for ((i = 0; i < 10; i++)); do
		sleep 0.5
		"$reader" status --json >"$last.again"
		[ "$(jq --argjson pid "$pid" -c "$row | .[0] | $counters" "$last")" = \
			"$(jq --argjson pid "$pid" -c "$row | .[0] | $counters" "$last.again")" ] && break
		mv "$last.again" "$last"
	done
	kxp_qemu_quit "$name"
	"$reader" events --json >"$KXP_QEMU_RUN/$name.events-final.json"
	for op in set_xsave:KVM_SET_XSAVE:set_xsave get_xsave2:KVM_GET_XSAVE2:get_xsave \
		set_xcrs:KVM_SET_XCRS:set_xcrs set_sregs:KVM_SET_SREGS2:set_sregs; do
		IFS=: read -r op ioctl counter <<<"$op"
		s=$(count_strace "$name" "$ioctl")
		e=$(jq --argjson pid "$pid" --arg op "$op" \
			'[.events[] | select(.pid == $pid and .op == $op)] | length' \
			"$KXP_QEMU_RUN/$name.events-final.json")
		c=$(jq --argjson pid "$pid" "$row | .[0].$counter // \"none\"" "$last")
		ok "$name: $ioctl: strace $s, module events $e, vCPU counter $c" \
			"[ $s -gt 0 ] && [ $s = $e ] && [ $c = $s ]"
	done
	kxp_show_qemu "$name"
}

# no_reject NAME: no failed call of this QEMU, no rejected problem.
no_reject() {
	ok "$1: no failed ioctl event of this QEMU" "[ \"\$(jqe $1 '$evs | map(select(.ret != 0)) | length')\" = 0 ]"
	ok "$1: its vCPU shows no rejected problem" \
		"[ \"\$(jqs $1 '$row | .[0].problems | map(select(.kind == \"rejected\" or .kind == \"xcr0\")) | length')\" = 0 ]"
}

# get_contract NAME: this QEMU's KVM_GET_XSAVE2 calls against the kernel's
# side of the 2023 KVM_SET_XSAVE ABI fix, as the module tells it
# (trait.uabi_xfeatures_arg). With the fix GET masks the state with
# guest-supported XCR0: a trim is KVM doing its job (under TCG: MPX state,
# which KVM on AMD never exposes). Before it, KVM_SET_CPUID2 narrowed
# user_xfeatures to the guest's CPUID and GET exports just that: no trims.
get_contract() {
	case $(jqs "$1" '.module.traits.uabi_xfeatures_arg') in
	true)
		ok "$1: with the fix (trait.uabi_xfeatures_arg): user_xfeatures covers guest-supported XCR0, every GET trim trimmed_by_contract and outside its mask" \
			"jqs $1 '$row | .[0] | (.guest_supported_xcr0_names - .user_xfeatures_names) == []' | grep -qx true &&
			 jqe $1 '$evs | map(select(.reason == \"trimmed\")) | all(.verdict.id == \"trimmed_by_contract\" and (.bits_names - .mask_names) == .bits_names)' | grep -qx true" ;;
	false)
		ok "$1: before the fix (trait.uabi_xfeatures_arg false): user_xfeatures = guest-supported XCR0 | fp | sse, no GET trimmed" \
			"jqs $1 '$row | .[0] | (.user_xfeatures_names | sort) == ((.guest_supported_xcr0_names + [\"fp\", \"sse\"]) | unique) and .trimmed_gets == 0' | grep -qx true" ;;
	*) skip "$1: GET against the 2023 ABI fix" "the module reports no trait.uabi_xfeatures_arg" ;;
	esac
}

# ran_after NAME OP: after cont, the module must tell that the vCPU ran
# with its refused OP load unanswered (exits_after_failed_load > 0); with
# OP "" that no refused load is pending. Polls: the guest needs to enter.
ran_after() {
	local name=$1 op=$2 r=$KXP_QEMU_RUN/$1.run.json i
	for ((i = 0; i < 30; i++)); do
		"$reader" status --json >"$r"
		[ -z "$op" ] && break
		[ "$(jq --argjson pid "$pid" "$row | .[0].exits_after_failed_load" "$r")" != 0 ] && break
		sleep 1
	done
	echo "# $name: after cont: $(jq -c --argjson pid "$pid" "$row | .[0] | {failed_loads, exits_after_failed_load, ran_after_failed_load}" "$r")"
	if [ -z "$op" ]; then
		ok "$name: no refused load pending, ran_after_failed_load false" \
			"[ \"\$(jq -c --argjson pid $pid '$row | .[0] | [.failed_loads, .ran_after_failed_load]' $r)\" = '[[],false]' ]"
	else
		ok "$name: the vCPU ran after the refused $op (failed_loads [$op], exits_after_failed_load > 0, ran_after_failed_load)" \
			"[ \"\$(jq -c --argjson pid $pid '$row | .[0] | [.failed_loads, .ran_after_failed_load, .exits_after_failed_load > 0]' $r)\" = '[[\"$op\"],true,true]' ]"
		ok "$name: its verdict vmm_ran_after_failed_load (error), and the vCPU marked as a problem" \
			"jq -e --argjson pid $pid '$row | .[0] | .has_problem and ([.verdicts[].verdict | select(.id == \"vmm_ran_after_failed_load\" and .severity == \"error\")] | length == 1)' $r >/dev/null"
	fi
}

# nmi_report NAME [OP]: cont, check ran_after, inject an NMI, print the
# guest's answer.
nmi_report() {
	ok "$1: QMP cont" "kxp_qmp $1 cont >/dev/null"
	ran_after "$1" "${2:-}"
	ok "$1: QMP inject-nmi" "kxp_qmp $1 inject-nmi >/dev/null"
	kxp_wait_serial "$1" 'kxp-guest: (nmi 1 .*cr4=[0-9a-f]{8}|start|fault)' "$wait_s"
	nmi=$(kxp_serial_line "$1" 'nmi 1 ')
	echo "# $1: guest after cont: ${nmi:-no NMI report}"
}

# save NAME VARIANT CPU PKU: boot, check the report, stop, migrate to a file.
save() {
	local name=$1 variant=$2 cpu=$3 pku=$4 ready want_pkru=00000000 want_cr4=00040600
	start "$name" "$variant" -cpu "$cpu"
	[ "$pku" = 1 ] && want_pkru=55555554
	[ "$pku$variant" = 1pke ] && want_cr4=00440600
	# A whole report line (it ends with cr4=), not one still being written.
	# With SeaBIOS as firmware about one fresh nested boot in seven never
	# reached the guest (the vCPU stayed in KVM_RUN at a random point of
	# SeaBIOS, up to six times in a row on CI; docs/qemu.md). The guest is
	# its own firmware now and prints within seconds; a boot still silent
	# after silent_s is started again, at most five times, each retry said
	# with where the vCPU stood. A guest that prints, then fails, is not
	# retried.
	local try silent_s=$((60 * ${KXP_TIMEOUT_FACTOR:-1}))
	for try in 1 2 3 4 5; do
		kxp_wait_serial "$name" . "$silent_s" && break
		echo "# $name: no serial output in $silent_s s ($(kxp_where "$name")): QEMU started again ($try of 5)"
		kxp_qemu_quit "$name"
		start "$name" "$variant" -cpu "$cpu"
	done
	ok "$name: the guest reports ready" "kxp_wait_serial $name '$ready_re' $wait_s"
	ready=$(kxp_serial_line "$name" ready)
	echo "# $name: $ready"
	ok "$name: guest ready with ymm0 = the pattern, pkru $want_pkru, cr4 $want_cr4" \
		"[ \"\$(kxp_field \"\$ready\" ymm0)\" = $kxp_ymm0_pattern ] && [ \"\$(kxp_field \"\$ready\" pkru)\" = $want_pkru ] && [ \"\$(kxp_field \"\$ready\" cr4)\" = $want_cr4 ]"
	rm -f "$dir/$name.mig"
	ok "$name: QMP stop, migrate to exec:cat > $name.mig" \
		"kxp_qmp $name stop '{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"exec:cat > $dir/$name.mig\"}}' >/dev/null"
	ok "$name: migration completed" "kxp_wait_migrated $name $wait_s"
	echo "# $name: $(stat -c %s "$dir/$name.mig" 2>/dev/null) bytes saved"
	snapshot "$name"
	check_attribution "$name"
	no_reject "$name"
	get_contract "$name"
	finish "$name"
}

# load NAME FROM VARIANT: -incoming from FROM.mig, wait until paused.
load() {
	local name=$1 from=$2
	start "$name" "$3" -cpu host -incoming "exec:cat $dir/$from.mig"
	ok "$name: incoming from $from.mig reaches paused" "kxp_wait_status $name paused $wait_s"
	snapshot "$name"
	check_attribution "$name"
}

# A control: what was saved loads back on the same kind of host.
control() {
	local name=$1 from=$2 variant=$3 cr4=$4
	load "$name" "$from" "$variant"
	no_reject "$name"
	nmi_report "$name"
	ok "$name: the guest's ymm0 and PKRU arrived (NMI report: pkru 55555554, cr4 $cr4)" \
		"[ \"\$(kxp_field \"\$nmi\" ymm0)\" = $kxp_ymm0_pattern ] && [ \"\$(kxp_field \"\$nmi\" pkru)\" = 55555554 ] && [ \"\$(kxp_field \"\$nmi\" cr4)\" = $cr4 ]"
	finish "$name"
}

module_clean() {
	local s=$KXP_QEMU_RUN/final.json
	"$reader" status --json >"$s"
	ok "module: events_dropped 0" "[ \"\$(jq '.stats.events_dropped' $s)\" = 0 ]"
	ok "module: every probe's nmissed 0" \
		"[ \"\$(jq '[.module.probes[] | select(.nmissed != 0 and .nmissed != null)] | length' $s)\" = 0 ]"
}

# ---- report's VMM section, report --redact, --vm GUEST (issue #15, 6 and 7) ----
# A QEMU started paused (-S: its vCPU is created and reset, nothing boots),
# without strace in front. `report` must name it: pid, comm, the path of its
# executable, the version of its Debian package (dpkg-query -W here: the
# guest's root is the host's), its guest name and its whole command line;
# `report --redact`, in a UTS namespace with a host name of its own, neither
# that command line nor the host name. --vm takes the guest name.
vmm_report() {
	local name=vmm-report r=$KXP_QEMU_RUN/vmm-report i want_ver want_argv host=kxp-qemu-host
	KXP_QEMU_WRAP=()
	kxp_qemu_start "$name" pke -S -accel kvm -cpu host
	pid=$(kxp_qemu_pid "$name")
	echo "# $name: QEMU pid ${pid:-none}"
	for ((i = 0; i < wait_s; i++)); do
		"$reader" status --json >"$r.status.json"
		[ "$(jq --argjson pid "${pid:-0}" "$row | length" "$r.status.json")" -gt 0 ] && break
		sleep 1
	done
	want_ver=$(dpkg-query -W -f '${Version}' qemu-system-x86)
	want_argv=$(tr '\0' '\n' <"/proc/$pid/cmdline" | jq -R . | jq -sc .)
	unshare -u sh -c "hostname $host && '$reader' report --json" >"$r.report.json"
	echo "$?" >"$r.report.rc"
	unshare -u sh -c "hostname $host && '$reader' report" >"$r.report.txt"
	unshare -u sh -c "hostname $host && '$reader' report --redact" >"$r.redact.txt"
	echo "$?" >"$r.redact.rc"
	unshare -u sh -c "hostname $host && '$reader' report --redact --json" >"$r.redact.json"
	"$reader" status --vm "$name" --json >"$r.vm.json"
	"$reader" events --vm "$name" --json >"$r.vmev.json"
	kxp_qemu_quit "$name"
	local vmm="[.vmms[] | select(.pid == \$pid)] | .[0]"
	echo "# $name: $(jq -c --argjson pid "$pid" "$vmm | del(.cmdline)" "$r.report.json")"
	ok "$name: report --json exit 0, its vmms entry: running, comm qemu-system-x86, exe $KXP_QEMU, guest $name" \
		"[ \"\$(cat $r.report.rc)\" = 0 ] && [ \"\$(jq -r --argjson pid $pid '$vmm | \"\\(.process) \\(.comm) \\(.exe) \\(.guest)\"' $r.report.json)\" = 'running qemu-system-x86 $KXP_QEMU $name' ]"
	ok "$name: its version is dpkg's $want_ver, package qemu-system-x86" \
		"[ \"\$(jq -r --argjson pid $pid '$vmm | \"\\(.version) \\(.version_source) \\(.package)\"' $r.report.json)\" = '$want_ver dpkg qemu-system-x86' ]"
	ok "$name: its cmdline is /proc/$pid/cmdline, argument for argument (with -name guest=$name,debug-threads=on)" \
		"[ \"\$(jq -c --argjson pid $pid '$vmm | .cmdline' $r.report.json)\" = '$want_argv' ] && jq -e '. | index(\"guest=$name,debug-threads=on\")' <<<'$want_argv' >/dev/null"
	ok "$name: the text report names it: pid, exe, dpkg version, guest, cmdline; and the host name $host" \
		"grep -qxF 'pid $pid (qemu-system-x86): running' $r.report.txt && grep -qxF '  exe:     $KXP_QEMU' $r.report.txt && grep -qF '  version: $want_ver (dpkg: package qemu-system-x86' $r.report.txt && grep -qxF '  guest:   $name' $r.report.txt && grep -qF '  cmdline: $KXP_QEMU -nodefaults ' $r.report.txt && grep -qw $host $r.report.txt"
	ok "$name: report --redact exit 0: neither its command line (-nodefaults, $name.qmp) nor the host name $host, in text and JSON" \
		"[ \"\$(cat $r.redact.rc)\" = 0 ] && ! grep -qE -- '-nodefaults|$name\\.qmp|$host' $r.redact.txt $r.redact.json && grep -qxF '  cmdline: [redacted-cmdline]' $r.redact.txt && [ \"\$(jq -c --argjson pid $pid '[.redacted, .host.hostname, ($vmm | .cmdline, .cmdline_redacted)]' $r.redact.json)\" = '[true,\"[redacted-host]\",null,true]' ]"
	ok "$name: status --vm $name: its vCPU only; events --vm $name: only its events, some" \
		"[ \"\$(jq -c '[.vcpus[].pid] | unique' $r.vm.json)\" = '[$pid]' ] && [ \"\$(jq -c '[.events[].pid] | unique' $r.vmev.json)\" = '[$pid]' ]"
	kxp_show_qemu "$name"
}
[ "$mode" = source ] && vmm_report
# ---- end of report's VMM section ----

if [ "$mode" = source ]; then
	save src-pke pke host 1
	save src-nopke nopke host 1
	# A guest that never saw PKU: must load on a host without it.
	save src-hostnopku pke host,-pku 0
	control ctl-pke src-pke pke 00440600
	control ctl-nopke src-nopke nopke 00040600
	module_clean
	kxp_done
	exit
fi

# destination: a host whose CPU has no PKU.
# nopke: CR4.PKE clear, PKRU non-zero in XSTATE_BV: KVM_SET_XSAVE refused.
load dst-nopke src-nopke nopke
ok "dst-nopke: the refused KVM_SET_XSAVE: op set_xsave, ret -22, reason unsupported, bits pkru, vCPU 0, VM $vm" \
	"[ \"\$(jqe dst-nopke '$evs | map(select(.ret != 0)) | map(\"\\(.op) \\(.ret) \\(.reason) \\(.bits_names | join(\",\")) \\(.vcpu) \\(.vm)\") | join(\";\")')\" = 'set_xsave -22 unsupported pkru 0 $vm' ]"
ok "dst-nopke: the vCPU row's rejected problem names pkru" \
	"jqs dst-nopke '$row | .[0].problems[] | select(.kind == \"rejected\") | .bits_names' | grep -q pkru"
nmi_report dst-nopke set_xsave
finish dst-nopke

# pke: CR4.PKE set: QEMU puts the special registers first, and they fail.
load dst-pke src-pke pke
ok "dst-pke: QEMU never sent the migrated XSAVE state (no set_xsave with pkru)" \
	"[ \"\$(jqe dst-pke '$evs | map(select(.op == \"set_xsave\" and ((.xstate_bv_names // []) | index(\"pkru\")))) | length')\" = 0 ]"
ok "dst-pke: the refused KVM_SET_SREGS2: op set_sregs, ret -22, reason cr4_reserved, bits pke, vCPU 0, VM $vm" \
	"[ \"\$(jqe dst-pke '$evs | map(select(.ret != 0)) | map(\"\\(.op) \\(.ret) \\(.reason) \\(.bits_names | join(\",\")) \\(.vcpu) \\(.vm)\") | join(\";\")')\" = 'set_sregs -22 cr4_reserved pke 0 $vm' ]"
ok "dst-pke: that event's verdict: cr4_gate_not_exposed, exposed, remedy -pku" \
	"[ \"\$(jqe dst-pke '$evs | map(select(.ret != 0))[0].verdict | \"\\(.id) \\(.exposed) \\(.remedy | test(\"-cpu MODEL,-pku\"))\"')\" = 'cr4_gate_not_exposed true true' ]"
ok "dst-pke: the vCPU row's cr4 problem names pke" \
	"jqs dst-pke '$row | .[0].problems[] | select(.kind == \"cr4\") | .bits_names' | grep -q pke"
nmi_report dst-pke set_sregs
finish dst-pke

# newer NAME FROM VARIANT OP REASON BITS MESSAGE: FROM.mig into the newer
# QEMU (KXP_QEMU_NEWER, tests/qemu/fetch-newer-qemu; the machine type of
# 7.2's "pc"). Its failed register put is fatal: it must exit 1 during
# -incoming with MESSAGE, and the module must have the refused call of that
# process. It never runs the vCPU, so no vmm_ran_after_failed_load.
newer() {
	local name=$1 from=$2 variant=$3 op=$4 reason=$5 bits=$6 msg=$7 job i rc=none said refused
	local ver=${KXP_QEMU_NEWER_VERSION:-newer QEMU}
	KXP_QEMU_WRAP=()
	KXP_QEMU=$KXP_QEMU_NEWER kxp_qemu_start "$name" "$variant" -accel kvm -cpu host \
		-machine pc-i440fx-7.2 -incoming "exec:cat $dir/$from.mig"
	# No wrapper: the job is QEMU itself (its pid file goes when it exits).
	job=$(cat "$KXP_QEMU_RUN/$name.job") pid=$job
	for ((i = 0; i < wait_s * 2; i++)); do
		kill -0 "$job" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$job" 2>/dev/null; then
		kxp_qemu_quit "$name"
	else
		wait "$job"
		rc=$?
		rm -f "$KXP_QEMU_RUN/$name.job"
	fi
	"$reader" events --json >"$KXP_QEMU_RUN/$name.events.json"
	said=$(tr -d '\r' <"$KXP_QEMU_RUN/$name.out")
	refused=$(jqe "$name" "$evs | map(select(.ret != 0)) | map(\"\\(.op) \\(.ret) \\(.reason) \\(.bits_names | join(\",\")) \\(.vcpu)\") | join(\";\")")
	ok "$name: $ver exits during -incoming from $from.mig, status 1 (status $rc)" "[ $rc = 1 ]"
	ok "$name: and says why: \"$msg\"" \
		"grep -qxF -- \"\$(basename \"\$KXP_QEMU_NEWER\"): \$msg\" <<<\"\$said\""
	ok "$name: the module has that process's refused call: $op -22 $reason $bits, vCPU 0 (${refused:-none})" \
		"[ \"\$refused\" = '$op -22 $reason $bits 0' ]"
	kxp_show_qemu "$name"
}

if [ -n "${KXP_QEMU_NEWER:-}" ]; then
	KXP_QEMU_NEWER_VERSION=$("$KXP_QEMU_NEWER" --version | sed -n '1s/^QEMU emulator version /QEMU /p')
	echo "# the newer QEMU: $KXP_QEMU_NEWER ($KXP_QEMU_NEWER_VERSION)"
	newer dst10-nopke src-nopke nopke set_xsave unsupported pkru \
		'Putting registers after init: Failed to set XSAVE: Invalid argument'
	newer dst10-pke src-pke pke set_sregs cr4_reserved pke \
		'Putting registers after init: Failed to set special registers: Invalid argument'
else
	for i in 1 2 3 4 5 6; do
		skip "the newer QEMU as destination ($i of 6)" \
			"no newer QEMU: ${KXP_QEMU_NEWER_WHY:-tests/qemu/fetch-newer-qemu not run}"
	done
fi

# The guest that never saw PKU loads here and keeps its ymm0.
load dst-hostnopku src-hostnopku pke
no_reject dst-hostnopku
nmi_report dst-hostnopku
ok "dst-hostnopku: the guest's ymm0 arrived, pkru 0 (NMI report)" \
	"[ \"\$(kxp_field \"\$nmi\" ymm0)\" = $kxp_ymm0_pattern ] && [ \"\$(kxp_field \"\$nmi\" pkru)\" = 00000000 ]"
finish dst-hostnopku
module_clean
kxp_done
