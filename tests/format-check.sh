#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Source hygiene, as TAP (run by .ci/run, not by `meson test`: it needs no build and must
# not fail a developer's suite over whitespace):
#  - every C file is formatted as .clang-format says (clang-format --dry-run -Werror; the
#    "clang-format off" regions are left alone by clang-format itself).  The output of
#    clang-format changes between major versions: CI pins Debian 12's (14).
#  - every tests/*.sh suite is listed in tests/meson.build, so none is forgotten.
# Usage: tests/format-check.sh [FILE.c ...]   (default: every C file of the tree)
set -euo pipefail
cd "$(dirname "$0")/.."

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null; then
	echo "1..0 # SKIP $cf is not installed"
	exit 0
fi
echo "# $("$cf" --version)"

if (($# > 0)); then
	files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -- '*.c' '*.h')
else
	mapfile -t files < <(find . -path './build*' -prune -o -name '*.[ch]' -print | sort)
fi

for f in "${files[@]}"; do
	if out=$("$cf" --dry-run -Werror "$f" 2>&1); then
		ok "clang-format: $f"
	else
		not_ok "clang-format: $f ($(grep -c 'error:' <<<"$out") places; run clang-format -i $f)"
		grep -m 3 'error:' <<<"$out" | sed 's/^/# /' || true
	fi
done

# The suites meson registers: the quoted names between "suites = [" and "]".
listed=$(sed -n "/^suites = \[/,/^]/s/^ *'\([^']*\)',\?$/\1/p" tests/meson.build)
for s in tests/*.sh; do
	name=$(basename "$s" .sh)
	case $name in
	lib | format-check) continue ;; # the helpers, not suites
	esac
	if grep -qx -- "$name" <<<"$listed"; then
		ok "suite $name is listed in tests/meson.build"
	else
		not_ok "suite $name is listed in tests/meson.build"
	fi
done

echo "1..$n"
((failed == 0))
