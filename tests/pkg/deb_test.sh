#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/pkg/deb_test.sh: the Debian packages the way an operator uses them
# (make check's deb stage; TAP). On this machine, as root:
#   1. make deb: both packages, lintian-clean (packaging/make-deb)
#   2. a clean bookworm chroot (mmdebstrap minbase + dkms), sources from
#      this machine's apt configuration, a generated MOK key for DKMS
#   3. the packages installed there before any kernel headers: the
#      postinst says how to get the module built
#   4. what kvm-xsave installs: the reader, man page, bpftrace scripts,
#      alerting rules, docs
#   5. linux-headers-RELEASE installed: DKMS builds the module by itself
#   6. the module is signed with that key (modinfo -F signer)
#   7. the test VM boots RELEASE with the DKMS-built module (not the tree's
#      build) and runs smoke tests against it (tests/pkg/dkms_load_test.sh)
#   8. both packages purged: nothing of them is left
#   9. the same on sid with the 7.2 headers: skipped (see below)
# RELEASE: KXP_KERNEL, else the newest installed Debian 6.1 kernel.
# Needs build/tests (make tests). The chroot is build/pkgtest/root, removed
# when everything passed.

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo" || exit 2
dir=$repo/build/pkgtest
root=$dir/root
version=$(cat VERSION)
signer="kvm-xsave-probe DKMS test key"
release=${KXP_KERNEL:-$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*' |
	sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)}
ko=/lib/modules/$release/updates/dkms/kvm_xsave_probe.ko
failed=0
t0=$(date +%s)

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; failed=1; }
# A step's output, indented so that its own TAP lines do not count here.
show() { sed 's/^/    /' "$1"; }
in_root() { tests/vm/in-chroot "$root" env DEBIAN_FRONTEND=noninteractive "$@"; }

echo "1..9"
if [ "$(id -u)" != 0 ] || [ -z "$release" ]; then
	echo "Bail out! needs root and an installed Debian 6.1 kernel"
	exit 1
fi

if packaging/make-deb >"$dir.make-deb.log" 2>&1; then
	ok 1 "make deb: both packages built, lintian clean"
else
	show "$dir.make-deb.log"
	not_ok 1 "make deb (log: $dir.make-deb.log)"
	exit 1
fi
debs=("$repo"/build/deb/kvm-xsave-probe-dkms_"$version"_all.deb
	"$repo"/build/deb/kvm-xsave_"$version"_*.deb)

# The machine's own apt sources (either format), pasted into the chroot's
# by mmdebstrap: no archive is named here.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && sources+=("$f")
done
rm -rf "$root"
mkdir -p "$dir"
if mmdebstrap --quiet --variant=minbase --include=dkms bookworm "$root" \
	"${sources[@]}" >"$dir/mmdebstrap.log" 2>&1 &&
	mkdir -p "$root/var/lib/dkms" &&
	openssl req -new -x509 -nodes -days 2 -subj "/CN=$signer/" \
		-newkey rsa:2048 -keyout "$root/var/lib/dkms/mok.key" \
		-outform DER -out "$root/var/lib/dkms/mok.pub" >>"$dir/mmdebstrap.log" 2>&1; then
	ok 2 "bookworm chroot with dkms and a MOK key ($(($(date +%s) - t0)) s so far)"
else
	show "$dir/mmdebstrap.log"
	not_ok 2 "mmdebstrap bookworm"
	exit 1
fi

# apt-get install ./x.deb resolves the packages' dependencies as an
# operator's `apt install ./kvm-xsave-probe-dkms_*.deb` does.
if in_root apt-get install -y "${debs[@]}" >"$dir/install.log" 2>&1 &&
	grep -q "kvm-xsave-probe-dkms: install linux-headers-" "$dir/install.log"; then
	ok 3 "installed without headers: the postinst says what to install"
else
	show "$dir/install.log"
	not_ok 3 "install without headers, or no message about them"
fi

missing=()
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
	ok 4 "installed files present; $got"
else
	not_ok 4 "missing: ${missing[*]}; kvm-xsave --version: $got"
fi

# The kernel's header package triggers DKMS (/etc/kernel/header_postinst.d).
t=$(date +%s)
if in_root apt-get update -qq >"$dir/headers.log" 2>&1 &&
	in_root apt-get install -y --no-install-recommends "linux-headers-$release" \
		>>"$dir/headers.log" 2>&1 &&
	status=$(in_root dkms status -k "$release" 2>&1) &&
	grep -q "^kvm-xsave-probe/$version, $release, .*: installed" <<<"$status" &&
	[ -f "$root$ko" ]; then
	ok 5 "linux-headers-$release installed: DKMS built and installed $ko ($(($(date +%s) - t)) s)"
else
	show "$dir/headers.log"
	not_ok 5 "DKMS did not build the module for $release (dkms status: ${status:-})"
fi

got=$(in_root modinfo -F signer "$ko" 2>&1)
if [ "$got" = "$signer" ]; then
	ok 6 "signed by DKMS with the MOK key: signer '$got'"
else
	not_ok 6 "signer '$got', want '$signer'"
fi

# --no-module: the runner neither builds nor loads the tree's module; the
# guest loads the chroot's (the host root, build/ included, is its root).
t=$(date +%s)
KXP_MODULE=$root$ko KXP_DKMS_VERSION=$version \
	tests/vm/run --kernel "$release" --no-module --timeout 600 \
	--logs "$dir/vm" -- tests/run-suite tests/pkg/dkms_load_test.sh \
	build/tests/kvm_basic_test build/tests/set_xsave_test \
	tests/pkg/dkms_unload_test.sh >"$dir/vm.log" 2>&1
rc=$?
show "$dir/vm.log"
if [ $rc = 0 ]; then
	ok 7 "the DKMS-built module in the test VM: $(tail -n 1 "$dir/vm.log") ($(($(date +%s) - t)) s)"
else
	not_ok 7 "smoke tests on the DKMS-built module (exit $rc, logs $dir/vm-*.log)"
fi

in_root apt-get purge -y kvm-xsave-probe-dkms kvm-xsave >"$dir/purge.log" 2>&1
left=()
for f in /usr/src/kvm-xsave-probe-"$version" /var/lib/dkms/kvm-xsave-probe \
	/usr/bin/kvm-xsave /usr/share/man/man1/kvm-xsave.1.gz \
	/usr/share/kvm-xsave-probe /usr/share/doc/kvm-xsave \
	/usr/share/doc/kvm-xsave-probe-dkms; do
	[ -e "$root$f" ] && left+=("$f")
done
while IFS= read -r f; do
	left+=("${f#"$root"}")
done < <(find "$root/lib/modules" -name 'kvm_xsave_probe*')
if in_root dpkg-query -W 'kvm-xsave*' >>"$dir/purge.log" 2>&1; then
	left+=("(dpkg still knows the packages)")
fi
if [ ${#left[@]} -eq 0 ]; then
	ok 8 "purged: nothing left in /usr/src, /var/lib/dkms, /lib/modules, of the reader or its docs"
else
	show "$dir/purge.log"
	not_ok 8 "left after purge: ${left[*]}"
fi

# sid's 7.2 headers need gcc-16 and a kernel unpacked by
# tests/vm/kernel-fetch 7.2; whether its DKMS needs more was not tried.
echo "ok 9 # SKIP sid chroot with the 7.2 headers: not tried yet (needs the 7.2 kernel fetched and gcc-16 in the chroot)"

echo "# deb stage: $(($(date +%s) - t0)) s"
[ $failed = 0 ] && rm -rf "$root"
exit $failed
