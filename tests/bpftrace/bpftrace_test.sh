#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bpftrace scripts of userspace/bpftrace against real KVM ioctls.
#
# Each script is started in the background, and once it is attached (its
# BEGIN header is out) tests/bpftrace/scenario.c provokes: two rejected
# KVM_SET_XSAVE loads (AVX-512 bits 0xe0, bit 60), one with every bit set,
# a KVM_GET_XSAVE2 that trims YMM, a rejected KVM_SET_XCRS. The script is
# stopped with SIGINT and its output is checked line by line against what
# the scenario reported and against the module's debugfs `events` log.
# Also checked: the tracepoints' tracefs format files and `bpftrace -lv`.
#
# A script that does not attach, or dies, is a failure. Skips: not root,
# no bpftrace, no /dev/kvm, KVM with AVX-512 (the scenario's first reject
# would be accepted); without the module its tests are skipped.
#
# KXP_BPFTRACE_MODULE_FREE=1: the Secure Boot case, the module not loaded
# (a failure if it is): only the scripts that need no module run, and the
# module's tests are left out of the plan instead of skipped (they run in
# the stage that loads it).
#
# Run inside the test VM:  tests/vm/run -- tests/bpftrace/bpftrace_test.sh
# (build/tests/bpftrace_scenario comes from tests/bpftrace/bpftrace.mk; it
# is built here if missing.) Output: TAP, then "N passed, N failed, N
# skipped". Exit 0 all passed, 1 something failed, 4 everything skipped.
#
# Environment: KXP_BPFTRACE_ATTACH_TIMEOUT (s, default 240 times
# KXP_TIMEOUT_FACTOR: bpftrace compiles for tens of seconds under TCG,
# minutes on the debug kernel), KXP_BPFTRACE_LOGS (directory for
# the scripts' output, default build/bpftrace-test, else a temp dir).

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo" || exit 1

bt_dir=$repo/userspace/bpftrace
scenario=$repo/build/tests/bpftrace_scenario
debugfs=/sys/kernel/debug/kvm_xsave_probe
tracefs=/sys/kernel/tracing
attach_timeout=${KXP_BPFTRACE_ATTACH_TIMEOUT:-$((240 * ${KXP_TIMEOUT_FACTOR:-1}))}

n=0 pass=0 fail=0 skip=0

echo "TAP version 13"

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }
check() {	# check DESC CMD...: one test from a command's status
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
	if [ "$fail" -gt 0 ]; then exit 1; fi
	if [ "$pass" -eq 0 ]; then exit 4; fi
	exit 0
}

bail_skip() {	# nothing can run here: one skip, exit 4
	skip "bpftrace tests" "$1"
	finish
}

[ "$(id -u)" -eq 0 ] || bail_skip "not root"
command -v bpftrace >/dev/null || bail_skip "no bpftrace"
[ -c /dev/kvm ] || bail_skip "no /dev/kvm"

if [ -n "${KXP_BPFTRACE_LOGS:-}" ]; then
	logs=$KXP_BPFTRACE_LOGS
elif mkdir -p "$repo/build/bpftrace-test" 2>/dev/null &&
     [ -w "$repo/build/bpftrace-test" ]; then
	logs=$repo/build/bpftrace-test
else
	logs=$(mktemp -d)
fi
mkdir -p "$logs" || exit 1
rm -f "$logs"/*.out "$logs"/*.scenario "$logs"/*.events
echo "# logs in $logs"

if [ ! -x "$scenario" ] || [ "$scenario" -ot tests/bpftrace/scenario.c ]; then
	make -s -f tests/bpftrace/bpftrace.mk >"$logs/build.log" 2>&1 || {
		not_ok "build $scenario"
		diag <"$logs/build.log"
		finish
	}
fi

# The scenario needs a KVM without AVX-512 (any TCG guest): ask it once.
"$scenario" >"$logs/preflight.scenario" 2>&1
case $? in
0) ;;
4) bail_skip "$(tail -n 1 "$logs/preflight.scenario")" ;;
*) not_ok "scenario runs"; diag <"$logs/preflight.scenario"; finish ;;
esac

have_module=0
[ -d "$debugfs" ] && have_module=1
module_free=${KXP_BPFTRACE_MODULE_FREE:-0}
if [ "$module_free" = 1 ]; then
	check "module-free run: kvm_xsave_probe is not loaded" [ $have_module -eq 0 ]
	echo "# module-free: the tracepoints and xsave-events.bt are tested where the module is loaded"
fi

# ---- the names of module/kxp_names.h, for decoding on our side ----

# KXP_XFEATURES(X): X(bit, "name") pairs, up to the first blank line.
xnames=()
while read -r bit name; do
	xnames[bit]=$name
done < <(sed -n '/^#define KXP_XFEATURES(X)/,/^$/p' module/kxp_names.h |
	grep -oE 'X\([0-9]+, "[^"]*"\)' | sed -E 's/X\(([0-9]+), "(.*)"\)/\1 \2/')
[ "${#xnames[@]}" -eq 17 ] || { not_ok "read 17 names from module/kxp_names.h"; finish; }

decode() {	# decode MASK: names as the module prints them
	local m=$(($1)) i out=
	for ((i = 0; i < 64; i++)); do
		(((m >> i) & 1)) || continue
		out+=,${xnames[i]:-bit$i}
	done
	if [ -n "$out" ]; then echo "${out:1}"; else echo -; fi
}

kv() {	# kv LINE KEY: the value of KEY=... in a key=value line
	local w
	for w in $1; do
		[ "${w%%=*}" = "$2" ] && { echo "${w#*=}"; return 0; }
	done
	return 1
}

# ---- the tracepoints ----

fields=("u64 seq" "pid_t tgid" "char vm[32]" "int vcpu_id" "unsigned int ioctl" "unsigned int op"
	"int ret" "unsigned int reason" "u64 xstate_bv" "u64 mask" "u64 bits"
	"unsigned int no_header")
events=(kxp_set_xsave kxp_get_xsave kxp_set_xcrs kxp_set_cpuid kxp_set_sregs)

format_ok() {	# format_ok EVENT: every documented field, typed
	local f=$tracefs/events/kvm_xsave_probe/$1/format fld missing=0
	[ -r "$f" ] || { echo "$f: missing" | diag; return 1; }
	for fld in "${fields[@]}"; do
		grep -qF "field:$fld;" "$f" && continue
		echo "$1: no 'field:$fld;'" | diag
		missing=1
	done
	return $missing
}

list_ok() {	# bpftrace -lv lists the five events, each with every field
	local out ev fld bad=0
	out=$(bpftrace -lv 'tracepoint:kvm_xsave_probe:*' 2>&1)
	for ev in "${events[@]}"; do
		if ! grep -qx "tracepoint:kvm_xsave_probe:$ev" <<<"$out"; then
			echo "bpftrace -lv: no $ev" | diag
			bad=1
			continue
		fi
		for fld in "${fields[@]}"; do
			# the field lines that follow this event's name
			awk -v ev="tracepoint:kvm_xsave_probe:$ev" -v fld="$fld" '
				$0 == ev { in_ev = 1; next }
				/^tracepoint:/ { in_ev = 0 }
				in_ev { sub(/^[ \t]+/, ""); if ($0 == fld) found = 1 }
				END { exit !found }' <<<"$out" && continue
			echo "bpftrace -lv: $ev has no '$fld'" | diag
			bad=1
		done
	done
	[ "$(grep -c '^tracepoint:kvm_xsave_probe:' <<<"$out")" -eq ${#events[@]} ] || {
		echo "bpftrace -lv: not exactly ${#events[@]} events:" | diag
		diag <<<"$out"
		bad=1
	}
	return $bad
}

if [ "$module_free" = 1 ]; then
	:
elif [ $have_module -eq 1 ]; then
	for ev in "${events[@]}"; do
		check "tracefs format of $ev has the documented fields" format_ok "$ev"
	done
	check "bpftrace -lv lists the five tracepoints and their fields" list_ok
else
	for ev in "${events[@]}"; do
		skip "tracefs format of $ev" "kvm_xsave_probe not loaded"
	done
	skip "bpftrace -lv of the tracepoints" "kvm_xsave_probe not loaded"
fi

# ---- running a script against the scenario ----

bt_pid=
# start_script NAME: start userspace/bpftrace/NAME.bt, wait for its header
start_script() {
	local name=$1 out=$logs/$1.out i
	bpftrace "$bt_dir/$name.bt" >"$out" 2>&1 &
	bt_pid=$!
	for ((i = 0; i < attach_timeout * 5; i++)); do
		grep -q '^# ' "$out" && return 0
		kill -0 "$bt_pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$bt_pid" 2>/dev/null; then
		echo "$name: no header after ${attach_timeout}s" | diag
		kill -KILL "$bt_pid" 2>/dev/null
	fi
	wait "$bt_pid" 2>/dev/null
	bt_pid=
	tail -n 40 "$out" | diag
	return 1
}

# stop_script NAME: SIGINT, wait; its exit status must be 0. Detaching
# takes a few seconds under TCG, tens on a loaded machine (every kprobe
# removed is a text patch and an RCU grace period): a hang is what the
# limit is for, 120 s times KXP_TIMEOUT_FACTOR.
stop_script() {
	local name=$1 i rc limit=$((120 * ${KXP_TIMEOUT_FACTOR:-1})) t0=$SECONDS
	kill -INT "$bt_pid" 2>/dev/null
	for ((i = 0; i < limit * 5; i++)); do
		kill -0 "$bt_pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$bt_pid" 2>/dev/null; then
		# Where it hangs, for whoever chases it: each thread's state
		# and kernel stack.
		echo "$name: still running $limit s after SIGINT" | diag
		ps -L -o tid,stat,wchan:32,comm -p "$bt_pid" 2>&1 | diag
		for t in /proc/"$bt_pid"/task/*; do
			echo "task ${t##*/}:"
			cat "$t/stack"
		done 2>&1 | diag
		kill -KILL "$bt_pid" 2>/dev/null
		wait "$bt_pid"
		bt_pid=
		return 2
	fi
	echo "$name: ended $((SECONDS - t0)) s after SIGINT" | diag
	wait "$bt_pid"
	rc=$?
	bt_pid=
	[ $rc -eq 0 ] || { echo "$name: exit status $rc" | diag; tail -n 20 "$logs/$name.out" | diag; }
	[ $rc -eq 2 ] && rc=1	# 2 means a hang
	return $rc
}

# run_script NAME [PATTERN]: start NAME.bt, run the scenario, wait for
# PATTERN in its output (@VM@ stands for the scenario's VM) or a second,
# stop it. Fails if the script never attached; sets scenario_rc and
# stopped (0/1). bpftrace under TCG has hung after SIGINT about once in
# twenty runs (in the kernel or in bpftrace, also without this module):
# such a run is shown with its stacks and made once more; a second hang
# fails.
run_script() {
	local name=$1 pattern=${2:-} try
	for try in 1 2; do
		scenario_rc=1 stopped=0
		start_script "$name" || return 1
		run_scenario "$name"
		scenario_rc=$?
		if [ -n "$pattern" ]; then
			wait_for "$logs/$name.out" "${pattern//@VM@/$vm}"
		else
			sleep 1
		fi
		stop_script "$name"
		case $? in
		0) stopped=1; return 0 ;;
		2) [ $try = 1 ] && echo "$name: hung after SIGINT; once more" | diag ;;
		*) return 0 ;;
		esac
	done
	return 0	# attached, but hung twice: stopped stays 0
}

# wait_for FILE PATTERN: bpftrace prints asynchronously; 10 s at most
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -qE -- "$2" "$1" && return 0
		sleep 0.2
	done
	return 1
}

vm='' spid='' scomm=''
# run_scenario NAME: the scenario, its output in $logs/NAME.scenario
run_scenario() {
	local out=$logs/$1.scenario rc
	"$scenario" >"$out" 2>"$out.err"
	rc=$?
	vm=$(kv "$(grep '^scenario ' "$out")" vm)
	spid=$(kv "$(grep '^scenario ' "$out")" pid)
	scomm=$(kv "$(grep '^scenario ' "$out")" comm)
	if [ $rc -ne 0 ] || [ -z "$vm" ] || ! grep -qx 'done' "$out"; then
		echo "scenario exit status $rc" | diag
		diag <"$out.err"
		return $rc
	fi
	# The module's log of this VM, for the comparisons.
	if [ $have_module -eq 1 ]; then
		grep " vm=$vm " "$debugfs/events" >"$logs/$1.events"
	fi
	return 0
}

# The reason the module gives each scenario step.
declare -A step_reason=([reject_avx512]=unsupported [reject_bit60]=unsupported
	[reject_all_bits]=unsupported [trim_ymm]=trimmed [reject_ymm]=not_permitted
	[reject_xcrs]=xcr0_unsupported)

# steps_seen NAME WITH_REASON: every scenario step has exactly one line in
# the script's output with the same pid, vm, vcpu, op, ret, xstate_bv,
# mask, bits and the names of bits (and the module's reason if asked).
steps_seen() {
	local name=$1 with_reason=$2 out=$logs/$1.out step want bad=0 k
	while read -r step; do
		want="pid=$spid tid=$spid comm=$scomm vm=$vm vcpu=$(kv "$step" vcpu) op=$(kv "$step" op) ret=$(kv "$step" ret)"
		[ "$with_reason" = 1 ] && want+=" reason=${step_reason[$(kv "$step" step)]}"
		want+=" xstate_bv=$(kv "$step" xstate_bv) mask=$(kv "$step" mask) bits=$(kv "$step" bits) names=$(decode "$(kv "$step" bits)")"
		# the script's lines without seq and ts, to compare whole
		k=$(sed -E 's/^seq=[0-9]+ //; s/^ts=[0-9.]+ //; s/ ts=[0-9.]+ / /' "$out" |
			grep -cxF -- "$want")
		if [ "$k" -ne 1 ]; then
			echo "$name: $k lines, expected 1, of: $want" | diag
			bad=1
		fi
	done < <(grep '^step=' "$logs/$name.scenario")
	return $bad
}

# ---- xsave-events.bt ----

if [ "$module_free" = 1 ]; then
	:
elif [ $have_module -eq 0 ]; then
	skip "xsave-events.bt" "kvm_xsave_probe not loaded: no tracepoints"
elif ! run_script xsave-events ' vm=@VM@ .* op=set_xcrs '; then
	not_ok "xsave-events.bt attaches and prints its header"
else
	ok "xsave-events.bt attaches and prints its header"
	check "scenario ran under xsave-events.bt" [ $scenario_rc -eq 0 ]
	check "xsave-events.bt stops on SIGINT with status 0" [ $stopped = 1 ]
	check "xsave-events.bt: one line per scenario step, values and names as done" \
		steps_seen xsave-events 1

	events_same() {	# the script's lines == the module's log of the VM
		local a=$logs/xsave-events.cmp b=$logs/xsave-events.events.cmp
		grep -E "^seq=[0-9]+ .* vm=$vm " "$logs/xsave-events.out" |
			sed -E 's/ ts=[0-9.]+ / /' >"$a"
		# requested_xcr0 is the vCPU's record, not a tracepoint field;
		# the script prints no thread_comm: its comm is the calling
		# thread's, which is the process's in this one-thread scenario.
		sed -E 's/ ts=[0-9.]+ / /; s/ requested_xcr0=[^ ]+ thread_comm=[^ ]*$//' \
			"$logs/xsave-events.events" >"$b"
		[ -s "$b" ] || { echo "debugfs events has nothing of $vm" | diag; return 1; }
		diff -u "$b" "$a" | diag
		cmp -s "$a" "$b"
	}
	check "xsave-events.bt prints exactly the module's events log of the VM (but ts)" \
		events_same

	multi_ok() {	# a mask past the single printf is still one whole line
		grep -E "^seq=[0-9]+ .* vm=$vm .* bits=0xfffffffffffffdf8 names=" \
			"$logs/xsave-events.out" | grep -q "names=$(decode 0xfffffffffffffdf8)\$"
	}
	check "xsave-events.bt: 58 names (printed in pieces) form one line" multi_ok
fi

# ---- xsave-nomod.bt ----

if ! run_script xsave-nomod ' vm=@VM@ .* op=set_xcrs '; then
	not_ok "xsave-nomod.bt attaches and prints its header"
else
	ok "xsave-nomod.bt attaches and prints its header"
	check "scenario ran under xsave-nomod.bt" [ $scenario_rc -eq 0 ]
	check "xsave-nomod.bt stops on SIGINT with status 0" [ $stopped = 1 ]
	check "xsave-nomod.bt: one line per scenario step, values and names as done" \
		steps_seen xsave-nomod 0

	nomod_lines_ok() {	# nothing else: 5 lines for this VM
		local k
		k=$(grep -c "^ts=.* vm=$vm " "$logs/xsave-nomod.out")
		[ "$k" -eq "$(grep -c '^step=' "$logs/xsave-nomod.scenario")" ] && return 0
		echo "$k lines for $vm" | diag
		return 1
	}
	check "xsave-nomod.bt prints nothing but the scenario's steps" nomod_lines_ok

	# The same rejects and trims as the module: its log's lines reduced to
	# the keys this script has.
	nomod_vs_module() {
		local a=$logs/xsave-nomod.cmp b=$logs/xsave-nomod.events.cmp
		grep "^ts=.* vm=$vm " "$logs/xsave-nomod.out" |
			sed -E 's/^ts=[0-9.]+ //' >"$a"
		awk '{
			delete v
			for (i = 1; i <= NF; i++) { split($i, p, "="); v[p[1]] = substr($i, length(p[1]) + 2) }
			if (v["reason"] == "xfd_stripped" || v["op"] == "set_cpuid") next
			if (v["ret"] == 0 && v["reason"] != "trimmed") next
			printf "pid=%s tid=%s comm=%s vm=%s vcpu=%s op=%s ret=%s xstate_bv=%s mask=%s bits=%s names=%s\n",
				v["pid"], v["tid"], v["comm"], v["vm"], v["vcpu"], v["op"], v["ret"],
				v["xstate_bv"], v["mask"], v["bits"], v["names"]
		}' "$logs/xsave-nomod.events" >"$b"
		[ -s "$b" ] || { echo "debugfs events has nothing of $vm" | diag; return 1; }
		diff -u "$b" "$a" | diag
		cmp -s "$a" "$b"
	}
	if [ $have_module -eq 1 ]; then
		check "xsave-nomod.bt sees the same rejects and trims as the module's log" \
			nomod_vs_module
	elif [ "$module_free" = 1 ]; then
		:
	else
		skip "xsave-nomod.bt against the module's log" "kvm_xsave_probe not loaded"
	fi
fi

# ---- xsave-latency.bt ----

if ! run_script xsave-latency; then
	not_ok "xsave-latency.bt attaches and prints its header"
else
	ok "xsave-latency.bt attaches and prints its header"
	check "scenario ran under xsave-latency.bt" [ $scenario_rc -eq 0 ]
	check "xsave-latency.bt prints its maps on SIGINT, status 0" [ $stopped = 1 ]

	# hist_count OP: the calls in the histogram @ns[pid, vmm, OP]
	hist_count() {
		awk -v head="@ns[$spid, $scomm, $1]:" '
			{ l = $0; sub(/ +$/, "", l) }	# "@ns[...]: " ends in a space
			l == head { in_h = 1; next }
			in_h && /^\[/ {
				# "[4K, 8K)   3 |@@@ |" or "[1]   3 |@@@ |"
				line = $0
				sub(/^[^])]*[])]/, "", line)
				split(line, f, " ")
				sum += f[1]
			}
			in_h && !/^\[/ { in_h = 0 }
			END { print sum + 0 }' "$logs/xsave-latency.out"
	}
	latency_ok() {
		local calls op want got bad=0
		calls=$(grep '^calls ' "$logs/xsave-latency.scenario")
		for op in set_xsave get_xsave get_xsave2; do
			want=$(kv "$calls" "$op")
			got=$(hist_count "$op")
			if [ "$got" != "$want" ]; then
				echo "@ns[$spid, $scomm, $op]: $got calls, scenario made $want" | diag
				bad=1
			fi
			grep -q "^@stats\[$spid, $scomm, $op\]: count $want, average [0-9]*, total [0-9]*\$" \
				"$logs/xsave-latency.out" || {
				echo "no '@stats[$spid, $scomm, $op]: count $want, ...'" | diag
				bad=1
			}
		done
		# The three rejected loads, nothing else failed.
		want=$(grep -c '^step=reject_.* op=set_xsave ret=-22 ' "$logs/xsave-latency.scenario")
		grep -qx "@errors\[$spid, $scomm, set_xsave, -22\]: $want" "$logs/xsave-latency.out" || {
			echo "no '@errors[$spid, $scomm, set_xsave, -22]: $want'" | diag
			bad=1
		}
		[ "$(grep -c "^@errors\[$spid, $scomm," "$logs/xsave-latency.out")" -eq 1 ] || {
			echo "@errors has other entries for $spid $scomm" | diag
			bad=1
		}
		[ $bad -eq 0 ] || diag <"$logs/xsave-latency.out"
		return $bad
	}
	check "xsave-latency.bt: per-op histograms and counts match the scenario's calls" \
		latency_ok
fi

finish
