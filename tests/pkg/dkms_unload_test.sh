#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# In the guest, after the smoke tests: the DKMS-built module unloads.

echo "1..1"
if msg=$(rmmod kvm_xsave_probe 2>&1) && [ ! -d /sys/module/kvm_xsave_probe ]; then
	echo "ok 1 rmmod kvm_xsave_probe"
else
	echo "not ok 1 rmmod kvm_xsave_probe: $msg"
fi
