#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the project version: `git describe` of a v* tag when there is one,
# else VERSION plus the commit, else VERSION alone (dkms and tarballs).
top=${1:-.}
base=$(cat "$top/VERSION" 2>/dev/null || echo 0.0.0)
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	tag=$(git -C "$top" describe --tags --dirty --match 'v*' 2>/dev/null)
	if [ -n "$tag" ]; then
		echo "${tag#v}"
		exit 0
	fi
	rev=$(git -C "$top" describe --always --dirty 2>/dev/null)
	[ -n "$rev" ] && base="$base+g$rev"
fi
echo "$base"
