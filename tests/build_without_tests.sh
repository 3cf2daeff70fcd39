#!/bin/sh
# build.without_tests: the product configures and builds with -DBUILD_TESTING=OFF
# where jansson (a test-only dependency) cannot be found: pkg-config is given a
# search path holding every .pc file of this machine but jansson.pc. The same
# configure with the tests on must then fail for want of jansson, or the check
# proved nothing. Skipped (77) without pkg-config.
# Usage: build_without_tests.sh CMAKE SOURCE_DIR WORK_DIR C_COMPILER
cmake=$1 src=$2 work=$3 cc=$4
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work/pkgconfig" || exit 1
IFS=:
for dir in $(pkg-config --variable pc_path pkg-config); do
	for pc in "$dir"/*.pc; do
		name=$(basename "$pc")
		[ -e "$pc" ] && [ "$name" != jansson.pc ] && [ ! -e "$work/pkgconfig/$name" ] && ln -s "$pc" "$work/pkgconfig/$name"
	done
done
unset IFS
PKG_CONFIG_LIBDIR=$work/pkgconfig
PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
if pkg-config --exists jansson; then
	echo "FAIL: jansson is still found through $PKG_CONFIG_LIBDIR"
	exit 1
fi

if "$cmake" -S "$src" -B "$work/with-tests" -DCMAKE_C_COMPILER="$cc" >"$work/with-tests.log" 2>&1; then
	echo "FAIL: configuring with the tests succeeded without jansson: the check below proves nothing"
	exit 1
fi
grep -q jansson "$work/with-tests.log" || { cat "$work/with-tests.log"; echo "FAIL: that configure did not fail for jansson"; exit 1; }

"$cmake" -S "$src" -B "$work/product" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
	>"$work/product.log" 2>&1 || { cat "$work/product.log"; echo "FAIL: the product does not configure without jansson"; exit 1; }
"$cmake" --build "$work/product" -j2 --target tlsscope >>"$work/product.log" 2>&1 ||
	{ tail -40 "$work/product.log"; echo "FAIL: the product does not build without jansson"; exit 1; }
if grep -Eq "^_*JANSSON" "$work/product/CMakeCache.txt"; then
	echo "FAIL: the product's configuration still looked for jansson"
	exit 1
fi
"$work/product/tlsscope" --version >/dev/null || { echo "FAIL: the product built without jansson does not run"; exit 1; }
echo "the product configures and builds without jansson (BUILD_TESTING=OFF)"
