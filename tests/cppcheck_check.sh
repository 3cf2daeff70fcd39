#!/bin/sh
# lint.cppcheck: cppcheck's warning, style and performance checks over the
# product, the tests and the fuzz harnesses; any report fails. A false positive
# is suppressed where it occurs: // cppcheck-suppress <id> -- reason.
# Skipped (77) without cppcheck. Usage: cppcheck_check.sh SOURCE_DIR
cd "$1" || exit 1
command -v cppcheck >/dev/null 2>&1 || { echo "SKIP: cppcheck not installed"; exit 77; }
includes=""
for dir in dissectors src/*/ ui tests/unit tests/capmaker; do
	[ -d "$dir" ] && includes="$includes -I${dir%/}"
done
# -D_DEFAULT_SOURCE as the build defines it: one configuration, checked once.
# shellcheck disable=SC2086
cppcheck --enable=warning,style,performance --std=c11 --error-exitcode=1 --inline-suppr -q -j2 \
	-D_DEFAULT_SOURCE $includes src dissectors ui tests fuzz || {
	echo "FAIL: fix what cppcheck reports above, or suppress a false positive inline with the reason"
	exit 1
}
echo "cppcheck: no reports"
