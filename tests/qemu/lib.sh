# SPDX-License-Identifier: GPL-2.0
# Shared by the tests that run the tiny guest under a real QEMU
# (guest_test.sh on the build machine, qemu_test.sh inside the test VM).
# Source it; set KXP_QEMU_RUN (sockets, serial logs: a local directory, QMP
# sockets do not work on 9p) before starting guests.

kxp_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
kxp_qmp=$kxp_repo/build/tests/qemu/kxp-qmp
kxp_guest_img=$kxp_repo/build/tests/qemu/guest
KXP_QEMU=${KXP_QEMU:-/usr/bin/qemu-system-x86_64}
# The pattern guest.S loads into ymm0, printed high byte first.
kxp_ymm0_pattern=1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100
# The guest's first report, complete (a line ends with its cr4= field).
kxp_ready_re='kxp-guest: (ready .*cr4=[0-9a-f]{8}|fault|no xsave|xcr0 lost)'

n=0 pass=0 fail=0 skip=0
ok() {	# ok DESC CONDITION
	n=$((n + 1))
	if eval "$2"; then
		pass=$((pass + 1))
		echo "ok $n $1"
	else
		fail=$((fail + 1))
		echo "not ok $n $1"
	fi
}
skip() {	# skip DESC REASON
	n=$((n + 1))
	skip=$((skip + 1))
	echo "ok $n $1 # SKIP $2"
}
kxp_done() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

# kxp_qemu_start NAME VARIANT QEMU-ARG...: the tiny guest (VARIANT pke or
# nopke) in the background as guest NAME: serial in $KXP_QEMU_RUN/NAME.serial,
# QMP on NAME.qmp, QEMU's own stdout and stderr in NAME.out, its pid in
# NAME.pid, the guest ROM's debug port (0x402: a line per reset) in
# NAME.bios. The guest is the whole firmware (-bios, no SeaBIOS). Both ends
# of a migration start here, so they have the same devices and ROM.
# KXP_QEMU_WRAP (an array, e.g. strace) runs in front of QEMU.
kxp_qemu_start() {
	local name=$1 variant=$2 r=$KXP_QEMU_RUN/$1
	shift 2
	rm -f "$r.serial" "$r.qmp" "$r.out" "$r.pid" "$r.bios"
	"${KXP_QEMU_WRAP[@]}" "$KXP_QEMU" -nodefaults -no-user-config \
		-display none -monitor none -m 64 \
		-name "guest=$name,debug-threads=on" \
		-bios "$kxp_guest_img-$variant.rom" \
		-serial "file:$r.serial" \
		-chardev "file,id=bios,path=$r.bios" \
		-device isa-debugcon,iobase=0x402,chardev=bios \
		-qmp "unix:$r.qmp,server=on,wait=off" \
		-pidfile "$r.pid" "$@" </dev/null >"$r.out" 2>&1 &
	echo $! >"$r.job"
}

# kxp_qemu_pid NAME: QEMU's pid (from its pid file, waiting for it briefly).
kxp_qemu_pid() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$KXP_QEMU_RUN/$1.pid" ] && break
		sleep 0.1
	done
	cat "$KXP_QEMU_RUN/$1.pid" 2>/dev/null
}

# kxp_qmp NAME COMMAND...: QMP commands to guest NAME (kxp-qmp).
kxp_qmp() {
	local name=$1
	shift
	"$kxp_qmp" -t "${KXP_QMP_TIMEOUT:-60}" "$KXP_QEMU_RUN/$name.qmp" "$@"
}

# kxp_where NAME: one line on where guest NAME's vCPU is: how often its ROM
# was entered (resets), then CS:EIP, EFLAGS and HLT from "info registers".
kxp_where() {
	local regs
	regs=$(kxp_qmp "$1" '{"execute": "human-monitor-command", "arguments": {"command-line": "info registers"}}' 2>/dev/null |
		jq -r '.return // empty' 2>/dev/null)
	printf 'ROM entered %s times; vCPU at CS %s EIP %s, EFLAGS %s, HLT %s' \
		"$(grep -c 'rom: reset' "$KXP_QEMU_RUN/$1.bios" 2>/dev/null)" \
		"$(sed -n 's/^CS =\([0-9a-f]*\) .*/\1/p' <<<"$regs")" \
		"$(grep -oE 'EIP=[0-9a-f]+' <<<"$regs" | cut -d= -f2)" \
		"$(grep -oE 'EFL=[0-9a-f]+' <<<"$regs" | cut -d= -f2)" \
		"$(grep -oE 'HLT=[01]' <<<"$regs" | cut -d= -f2)"
}

# kxp_wait_serial NAME REGEX SECONDS: wait until a line of NAME's serial
# output matches REGEX; 1 on timeout.
kxp_wait_serial() {
	local f=$KXP_QEMU_RUN/$1.serial end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		grep -Eq -- "$2" "$f" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# kxp_wait_status NAME STATUS SECONDS: wait for query-status to say STATUS.
kxp_wait_status() {
	local end=$((SECONDS + $3))
	while ((SECONDS < end)); do
		kxp_qmp "$1" query-status 2>/dev/null | grep -q "\"status\": \"$2\"" && return 0
		sleep 0.5
	done
	return 1
}

# kxp_wait_migrated NAME SECONDS: wait for query-migrate to say completed.
kxp_wait_migrated() {
	local end=$((SECONDS + $2))
	while ((SECONDS < end)); do
		kxp_qmp "$1" query-migrate 2>/dev/null | grep -q '"status": "completed"' && return 0
		sleep 0.5
	done
	return 1
}

# kxp_serial_line NAME WORD: the last "kxp-guest: WORD ..." line of NAME.
kxp_serial_line() {
	tr -d '\r' <"$KXP_QEMU_RUN/$1.serial" 2>/dev/null | grep -a "kxp-guest: $2" | tail -n 1
}

# kxp_field LINE KEY: the value of KEY=VALUE in LINE.
kxp_field() {
	sed -nE "s/.*[ ]$2=([^ ]*).*/\\1/p" <<<"$1"
}

# kxp_qemu_quit NAME: QMP quit, wait for the process (and its wrapper),
# kill it if it stays.
kxp_qemu_quit() {
	local job i
	job=$(cat "$KXP_QEMU_RUN/$1.job" 2>/dev/null)
	[ -n "$job" ] || return 0
	kxp_qmp "$1" quit >/dev/null 2>&1
	for ((i = 0; i < 100; i++)); do
		kill -0 "$job" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$job" 2>/dev/null && kill -9 "$(cat "$KXP_QEMU_RUN/$1.pid")" "$job" 2>/dev/null
	wait "$job" 2>/dev/null
	rm -f "$KXP_QEMU_RUN/$1.job"
	return 0
}

# kxp_show_qemu NAME: QEMU's own output and the guest's serial, for the log.
kxp_show_qemu() {
	local r=$KXP_QEMU_RUN/$1
	echo "# --- $1: QEMU stdout/stderr ($(wc -l <"$r.out" 2>/dev/null || echo 0) lines)"
	sed 's/^/#   /' "$r.out" 2>/dev/null
	echo "# --- $1: guest serial"
	tr -d '\r' <"$r.serial" 2>/dev/null | grep -a 'kxp-guest' | sed 's/^/#   /'
}
