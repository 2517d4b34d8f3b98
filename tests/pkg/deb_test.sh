#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/pkg/deb_test.sh: the Debian packages the way an operator uses them
# (make check's deb stage; TAP). On this machine, as root:
#   1. make deb: both packages, lintian-clean (packaging/make-deb)
# then on bookworm with the newest installed 6.1 kernel (2-8), and on sid
# with the 7.2 kernel of tests/vm/kernel-fetch 7.2 (9-15):
#   2. a clean chroot (mmdebstrap minbase + dkms), apt sources from this
#      machine's apt configuration, a generated MOK key for DKMS
#   3. the packages installed there before any kernel headers: the
#      postinst says how to get the module built
#   4. what kvm-xsave installs: the reader, man page, bpftrace scripts,
#      alerting rules, docs
#   5. linux-headers-RELEASE installed: DKMS builds the module by itself
#   6. the module is signed with that key (modinfo -F signer)
#   7. the test VM boots RELEASE with the DKMS-built module (not the tree's
#      build) and runs smoke tests against it (tests/pkg/dkms_load_test.sh)
#   8. both packages purged: nothing of them is left
# KXP_KERNEL picks the 6.1 release; KXP_DEB_SID=0 skips sid. Needs
# build/tests (make tests). The chroots are build/pkgtest/SUITE, removed
# when everything passed.

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo" || exit 2
dir=$repo/build/pkgtest
version=$(cat VERSION)
signer="kvm-xsave-probe DKMS test key"
release61=${KXP_KERNEL:-$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' |
	sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)}
failed=0
t0=$(date +%s)

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; failed=1; }
# A step's output, indented so that its own TAP lines do not count here.
show() { sed 's/^/    /' "$1"; }
# In the current suite's chroot ($root of suite_steps).
in_root() { tests/vm/in-chroot "$root" env DEBIAN_FRONTEND=noninteractive "$@"; }

echo "1..15"
if [ "$(id -u)" != 0 ] || [ -z "$release61" ]; then
	echo "Bail out! needs root and an installed Debian 6.1 kernel"
	exit 1
fi

mkdir -p "$dir"
if packaging/make-deb >"$dir/make-deb.log" 2>&1; then
	ok 1 "make deb: both packages built, lintian clean"
else
	show "$dir/make-deb.log"
	not_ok 1 "make deb (log: $dir/make-deb.log)"
	exit 1
fi
debs=("$repo"/build/deb/kvm-xsave-probe-dkms_"$version"_all.deb
	"$repo"/build/deb/kvm-xsave_"$version"_*.deb)

# Where DKMS installed the module in ROOT for RELEASE (compressed like
# the kernel's own modules, .ko.xz on 7.2).
module_in() {
	find "$1/lib/modules/$2/updates" -name 'kvm_xsave_probe.ko*' 2>/dev/null |
		head -n 1 | sed "s|^$1||"
}

# Steps 2-8 on one suite: N (the first test number), SUITE, RELEASE, then
# mmdebstrap's mirrors; its extra options in the array mm_opts. Sets
# failed on a failure.
suite_steps() {
	local n=$1 suite=$2 release=$3 t status got rc f
	shift 3
	local root=$dir/$suite ko
	local log=$dir/$suite-
	local -a missing=() left=()

	t=$(date +%s)
	rm -rf "$root"
	if mmdebstrap --quiet --variant=minbase --include=dkms "${mm_opts[@]}" \
		"$suite" "$root" "$@" \
		>"${log}mmdebstrap.log" 2>&1 &&
		mkdir -p "$root/var/lib/dkms" &&
		openssl req -new -x509 -nodes -days 2 -subj "/CN=$signer/" \
			-newkey rsa:2048 -keyout "$root/var/lib/dkms/mok.key" \
			-outform DER -out "$root/var/lib/dkms/mok.pub" >>"${log}mmdebstrap.log" 2>&1; then
		ok "$n" "$suite chroot with dkms and a MOK key ($(($(date +%s) - t)) s)"
	else
		show "${log}mmdebstrap.log"
		not_ok "$n" "mmdebstrap $suite"
		for f in 1 2 3 4 5 6; do
			not_ok $((n + f)) "$suite: no chroot"
		done
		return
	fi

	# apt-get install ./x.deb resolves the packages' dependencies as an
	# operator's `apt install ./kvm-xsave-probe-dkms_*.deb` does.
	if in_root apt-get install -y "${debs[@]}" >"${log}install.log" 2>&1 &&
		grep -q "kvm-xsave-probe-dkms: install linux-headers-" "${log}install.log"; then
		ok $((n + 1)) "$suite: installed without headers: the postinst says what to install"
	else
		show "${log}install.log"
		not_ok $((n + 1)) "$suite: install without headers, or no message about them"
	fi

	for f in /usr/bin/kvm-xsave /usr/share/man/man1/kvm-xsave.1.gz \
		/usr/share/kvm-xsave-probe/bpftrace/xsave-nomod.bt \
		/usr/share/kvm-xsave-probe/bpftrace/xsave-nomod_example.txt \
		/usr/share/kvm-xsave-probe/prometheus/kvm-xsave.rules.yml \
		/usr/share/doc/kvm-xsave/README.md.gz \
		/usr/src/kvm-xsave-probe-"$version"/dkms.conf \
		/usr/src/kvm-xsave-probe-"$version"/module/gen-compat.sh; do
		[ -e "$root$f" ] || missing+=("$f")
	done
	got=$(in_root kvm-xsave --version 2>&1)
	if [ ${#missing[@]} -eq 0 ] && [ "${got#kvm-xsave "$version" }" != "$got" ]; then
		ok $((n + 2)) "$suite: installed files present; $got"
	else
		not_ok $((n + 2)) "$suite: missing: ${missing[*]}; kvm-xsave --version: $got"
	fi

	# The kernel's header package triggers DKMS (/etc/kernel/header_postinst.d).
	t=$(date +%s)
	if in_root apt-get update -qq >"${log}headers.log" 2>&1 &&
		in_root apt-get install -y --no-install-recommends "linux-headers-$release" \
			>>"${log}headers.log" 2>&1 &&
		status=$(in_root dkms status -k "$release" 2>&1) &&
		grep -q "^kvm-xsave-probe/$version, $release, .*: installed" <<<"$status" &&
		ko=$(module_in "$root" "$release") && [ -n "$ko" ]; then
		ok $((n + 3)) "$suite: linux-headers-$release installed: DKMS built and installed $ko ($(($(date +%s) - t)) s)"
	else
		show "${log}headers.log"
		not_ok $((n + 3)) "$suite: DKMS did not build the module for $release (dkms status: ${status:-})"
	fi

	got=$(in_root modinfo -F signer "$ko" 2>&1)
	if [ "$got" = "$signer" ]; then
		ok $((n + 4)) "$suite: signed by DKMS with the MOK key: signer '$got'"
	else
		not_ok $((n + 4)) "$suite: signer '$got', want '$signer'"
	fi

	# --no-module: the runner neither builds nor loads the tree's module;
	# the guest loads the chroot's (the host root, build/ included, is its
	# root).
	t=$(date +%s)
	KXP_MODULE=$root$ko KXP_DKMS_VERSION=$version KXP_DKMS_READER=$root/usr/bin/kvm-xsave \
		tests/vm/run --kernel "$release" --no-module --timeout 600 \
		--logs "${log}vm" -- tests/run-suite tests/pkg/dkms_load_test.sh \
		build/tests/kvm_basic_test build/tests/set_xsave_test \
		tests/pkg/dkms_unload_test.sh >"${log}vm.log" 2>&1
	rc=$?
	show "${log}vm.log"
	if [ $rc = 0 ]; then
		ok $((n + 5)) "$suite: the DKMS-built module in the test VM ($release): $(tail -n 1 "${log}vm.log") ($(($(date +%s) - t)) s)"
	else
		not_ok $((n + 5)) "$suite: smoke tests on the DKMS-built module (exit $rc, logs ${log}vm-*.log)"
	fi

	in_root apt-get purge -y kvm-xsave-probe-dkms kvm-xsave >"${log}purge.log" 2>&1
	for f in /usr/src/kvm-xsave-probe-"$version" /var/lib/dkms/kvm-xsave-probe \
		/usr/bin/kvm-xsave /usr/share/man/man1/kvm-xsave.1.gz \
		/usr/share/kvm-xsave-probe /usr/share/doc/kvm-xsave \
		/usr/share/doc/kvm-xsave-probe-dkms; do
		[ -e "$root$f" ] && left+=("$f")
	done
	while IFS= read -r f; do
		left+=("${f#"$root"}")
	done < <(find "$root/lib/modules" -name 'kvm_xsave_probe*')
	if in_root dpkg-query -W 'kvm-xsave*' >>"${log}purge.log" 2>&1; then
		left+=("(dpkg still knows the packages)")
	fi
	if [ ${#left[@]} -eq 0 ]; then
		ok $((n + 6)) "$suite: purged: nothing left in /usr/src, /var/lib/dkms, /lib/modules, of the reader or its docs"
	else
		show "${log}purge.log"
		not_ok $((n + 6)) "$suite: left after purge: ${left[*]}"
	fi
	[ $failed = 0 ] && rm -rf "$root"
}

# bookworm: the machine's own apt sources (either format), pasted into the
# chroot's by mmdebstrap, so no archive is named here.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && sources+=("$f")
done
mm_opts=()
suite_steps 2 bookworm "$release61" "${sources[@]}"

# sid: 7.2 as make check runs it (unpacked by kernel-fetch; its headers
# come from sid in the chroot), the system archive's URI (install-deps).
skip_sid() {
	local n
	for n in 9 10 11 12 13 14 15; do
		echo "ok $n # SKIP sid/7.2: $1"
	done
}
if [ "${KXP_DEB_SID:-1}" = 0 ]; then
	skip_sid "KXP_DEB_SID=0"
elif ! fetch=$(tests/vm/kernel-fetch --quiet 7.2 2>"$dir/fetch-7.2.log") ||
	! eval "$fetch" || [ -z "${release:-}" ]; then
	skip_sid "tests/vm/kernel-fetch 7.2 failed ($dir/fetch-7.2.log)"
elif ! uri=$(. tests/vm/install-deps && archive_uri); then
	skip_sid "no Debian archive in this machine's apt sources"
else
	# sid's Release file may be past its Valid-Until date (the archive is
	# a snapshot).
	mm_opts=(--aptopt='Acquire::Check-Valid-Until "false"')
	suite_steps 9 sid "$release" \
		"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main"
fi

echo "# deb stage: $(($(date +%s) - t0)) s"
exit $failed
