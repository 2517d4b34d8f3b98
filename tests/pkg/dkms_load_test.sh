#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# In the guest (tests/pkg/deb_test.sh): load the module DKMS built in the
# package test's chroot, KXP_MODULE, and check that it is that build which
# runs: its srcversion, and the plain package version (a build from the
# git tree says VERSION+g<commit>), and that the packaged reader
# (KXP_DKMS_READER, the chroot's /usr/bin/kvm-xsave) reads it. Leaves it
# loaded for the smoke tests.

ko=${KXP_MODULE:-}
want=${KXP_DKMS_VERSION:-}
mod=/sys/module/kvm_xsave_probe
echo "1..4"
if [ -n "$ko" ] && msg=$(insmod "$ko" 2>&1); then
	echo "ok 1 insmod $ko"
else
	echo "not ok 1 insmod ${ko:-(KXP_MODULE unset)}: $msg"
fi
src=$(modinfo -F srcversion "$ko" 2>/dev/null)
got=$(cat "$mod/srcversion" 2>/dev/null)
if [ -n "$src" ] && [ "$got" = "$src" ]; then
	echo "ok 2 the loaded module is the DKMS build (srcversion $got)"
else
	echo "not ok 2 loaded srcversion '$got', DKMS build's '$src'"
fi
got=$(cat "$mod/version" 2>/dev/null)
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	echo "ok 3 module version $got, the package's"
else
	echo "not ok 3 module version '$got', want '$want' (KXP_DKMS_VERSION)"
fi
reader=${KXP_DKMS_READER:-}
got=$([ -x "$reader" ] && "$reader" status --json | jq -r '.module.version')
ver=$([ -x "$reader" ] && "$reader" --version)
if [ -n "$want" ] && [ "$got" = "$want" ] && [ "${ver#"kvm-xsave $want "}" != "$ver" ]; then
	echo "ok 4 the packaged reader ($reader) reads the module: version $got"
else
	echo "not ok 4 packaged reader ${reader:-(KXP_DKMS_READER unset)}: status --json says module version '$got'"
fi
