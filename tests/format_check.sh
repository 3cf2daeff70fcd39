#!/bin/sh
# format.check: every tracked .c/.h is as .clang-format lays it out
# (clang-format --dry-run --Werror). Skipped (77) without clang-format or git.
# Usage: format_check.sh SOURCE_DIR
cd "$1" || exit 1
command -v clang-format >/dev/null 2>&1 || { echo "SKIP: clang-format not installed"; exit 77; }
command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: not a git checkout"; exit 77; }
files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || { echo "FAIL: no tracked C files found"; exit 1; }
# shellcheck disable=SC2086
if ! clang-format --dry-run --Werror $files; then
	echo "FAIL: run clang-format -i on the files named above"
	exit 1
fi
echo "$(echo "$files" | wc -l) files formatted"
