#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/userspace/fleet_test.sh: the fleet commands of the reader, on this
# machine, from the host documents in tests/userspace/fixtures/hosts (TAP):
# `host --nfd DOC.json` (node-feature-discovery's local feature file) and
# `compat --matrix A.json B.json ...`.
# Usage: tests/userspace/fleet_test.sh [KVM_XSAVE] (default: the tree's).

set -u -o pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
kx=${1:-$repo/userspace/kvm-xsave}
hosts=$repo/tests/userspace/fixtures/hosts
n=0

check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		[ -n "${3:-}" ] && sed 's/^/    /' <<<"$3"
	fi
}

# Every line NFD's local source would turn into a label: `# ` comments
# (none a `# +` directive), else <prefix>/<name>[=<value>] with name and
# value as Kubernetes allows (63 characters, alphanumeric at both ends,
# '-', '_', '.' inside).
nfd_valid() {
	awk '
		/^# \+/ { bad = 1; print "directive: " $0; next }
		/^#/ { next }
		{
			k = $0; v = ""
			if (index($0, "=")) { k = substr($0, 1, index($0, "=") - 1); v = substr($0, index($0, "=") + 1) }
			p = k; sub(/\/.*/, "", p); nm = k; sub(/^[^\/]*\//, "", nm)
			if (k !~ /\// || p !~ /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/ ||
			    nm !~ /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/ || length(nm) > 63 ||
			    (v != "" && (v !~ /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/ || length(v) > 63))) {
				bad = 1; print "bad label: " $0
			}
		}
		END { exit bad }'
}

labels() {
	grep -v '^#' <<<"$1" | sort
}

P=feature.node.kubernetes.io/kvm-xsave
echo "1..13"

out=$("$kx" host --nfd "$hosts/max.json" 2>&1)
rc=$?
want=$(sort <<-EOF
	$P.xcr0=0x207
	$P.xcr0.fp=true
	$P.xcr0.sse=true
	$P.xcr0.ymm=true
	$P.xcr0.pkru=true
	$P.xsave2-size=4096
	EOF
)
[ $rc = 0 ] && [ "$(labels "$out")" = "$want" ]
check $? "host --nfd max.json: XCR0, its features and the XSAVE2 size" "$out"

msg=$(nfd_valid <<<"$out")
check $? "host --nfd: every line is a comment or a valid NFD label" "$msg"

out=$("$kx" host --nfd "$hosts/max-nopku.json" 2>&1)
rc=$?
[ $rc = 0 ] && grep -qx "$P.xcr0=0x7" <<<"$out" && ! grep -q 'pkru' <<<"$out"
check $? "host --nfd max-nopku.json: 0x7, no pkru label" "$out"

# A report whose module says it has the 2023 fix (uabi_xfeatures_arg).
out=$("$kx" host --nfd "$hosts/report-traits.json" 2>&1)
[ $? = 0 ] && grep -qx "$P.trims-on-get=true" <<<"$out" && nfd_valid <<<"$out" >/dev/null
check $? "host --nfd report-traits.json: trims-on-get=true from the module's trait" "$out"

# No module information, no KVM_CAP_XSAVE2: the labels not known are left out.
out=$("$kx" host --nfd "$hosts/report-module.json" 2>&1)
[ $? = 0 ] && grep -qx "$P.xcr0=0x7" <<<"$out" &&
	! grep -q 'trims-on-get\|xsave2-size' <<<"$out"
check $? "host --nfd report-module.json: no trims-on-get, no xsave2-size" "$out"

out=$("$kx" host --nfd "$hosts/nokvm.json" 2>&1)
rc1=$?
out2=$("$kx" host --nfd "$hosts/malformed.json" 2>&1)
rc2=$?
out3=$("$kx" host --nfd --json "$hosts/max.json" 2>&1)
rc3=$?
[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $rc3 = 2 ] && ! grep -q "^$P" <<<"$out$out2"
check $? "host --nfd: no KVM data, malformed JSON, --json: exit 2, no labels" "$out
$out2
$out3"

"$kx" host --nfd "$hosts/max.json" >/dev/full 2>/dev/null
rc=$?
[ $rc = 1 ]
check $? "host --nfd to a full disk: exit 1 (got $rc)"

out=$("$kx" compat --matrix "$hosts/max.json" "$hosts/max-nopku.json" \
	"$hosts/max-reordered.json" 2>&1)
rc=$?
[ $rc = 1 ] && grep -qx '  1 -> 2: refuses pkru' <<<"$out" &&
	grep -qx '  3 -> 2: refuses pkru' <<<"$out" &&
	[ "$(grep -c ' -> ' <<<"$out")" = 2 ] &&
	grep -qE '^ +1 +- +NO +ok$' <<<"$out" &&
	grep -qE '^ +2 +ok +- +ok$' <<<"$out" &&
	grep -qx 'verdict: not all compatible' <<<"$out"
check $? "compat --matrix max max-nopku max-reordered: only X -> max-nopku refused (pkru), exit 1" "$out"

out=$("$kx" compat --matrix "$hosts/max.json" "$hosts/max-reordered.json" 2>&1)
rc=$?
[ $rc = 0 ] && grep -qx 'verdict: all compatible' <<<"$out"
check $? "compat --matrix of two compatible hosts: exit 0" "$out"

out=$("$kx" compat --matrix --json "$hosts/max.json" "$hosts/max-nopku.json" \
	"$hosts/max-reordered.json" 2>&1)
rc=$?
[ $rc = 1 ] && jq -e '
	(.command == "compat_matrix") and (.hosts | length == 3) and
	(.pairs | length == 6) and (.all_compatible == false) and
	([.pairs[] | select(.verdict == "incompatible") | [.src, .dst, .refused_names]] ==
	 [[0, 1, ["pkru"]], [2, 1, ["pkru"]]])' <<<"$out" >/dev/null
check $? "compat --matrix --json: 6 pairs, 0->1 and 2->1 refuse pkru" "$out"

out=$("$kx" compat --matrix "$hosts/max.json" 2>&1)
rc1=$?
out2=$("$kx" compat --matrix "$hosts/max.json" "$hosts/not-hex.json" "$hosts/max-nopku.json" 2>&1)
rc2=$?
[ $rc1 = 2 ] && [ $rc2 = 2 ] && grep -q 'not-hex.json' <<<"$out2"
check $? "compat --matrix: one file, or a bad one among them: exit 2" "$out
$out2"

"$kx" compat --matrix "$hosts/max.json" "$hosts/max-nopku.json" >/dev/full 2>/dev/null
rc=$?
[ $rc = 2 ]
check $? "compat --matrix to a full disk: exit 2 (got $rc)"

out=$("$kx" help compat; "$kx" help host; "$kx" --help)
grep -q -- '--matrix' <<<"$out" && grep -q -- '--nfd' <<<"$out"
check $? "--help names --matrix and --nfd"
