#!/bin/sh
# SPDX-License-Identifier: MIT
# check.sh - libtapqd as a program outside this tree uses it: the shared object
# exports tapqd_* only under its SONAME; tapqd.h compiles as C++ and a C++
# program links against the shared object; `make install DESTDIR=` gives a
# tapqd.pc with which `pkg-config --cflags --libs tapqd` builds a C client
# that runs against the installed library. The installed tree is removed.
#
#   BUILD=/abs/build [LIB_SO=/abs/build/libtapqd.so.X.Y.Z] MAKE=make sh test/lib/check.sh
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=$here/build}" "${MAKE:=make}" "${CC:=cc}"
out=$BUILD/test/lib
tmp=$out/destdir
fail() { echo "lib-test: $*"; exit 1; }

rm -rf "$out"
mkdir -p "$out"
# the Makefile names the one it builds: an older version may still lie in BUILD
so=${LIB_SO:-$(ls -t "$BUILD"/libtapqd.so.*.*.* 2>/dev/null | head -n 1)}
[ -f "$so" ] || fail "no libtapqd.so.X.Y.Z in $BUILD"

soname=$(objdump -p "$so" | sed -n 's/^ *SONAME *//p')
case $soname in
libtapqd.so.[0-9]*) echo "ok $(basename "$so"): SONAME $soname" ;;
*) fail "$so: SONAME '$soname'" ;;
esac
others=$(nm -D --defined-only "$so" | awk '{ print $NF }' | grep -v '^tapqd_' || true)
[ -z "$others" ] || fail "$so exports more than tapqd_*: $others"
echo "ok $(basename "$so"): exports $(nm -D --defined-only "$so" | grep -c ' tapqd_') tapqd_* symbols, nothing else"

g++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$here/include" "$here/test/lib/cxx.cpp" \
	-L"$BUILD" -ltapqd -o "$out/cxx"
objdump -p "$out/cxx" | grep -q "NEEDED *$soname" || fail "the C++ program does not load $soname"
LD_LIBRARY_PATH=$BUILD "$out/cxx"

# installed as a distribution would, then found through pkg-config only
(cd "$here" && $MAKE -s install DESTDIR="$tmp" BUILD="$BUILD" >/dev/null)
pcdir=$(dirname "$(find "$tmp" -name tapqd.pc | head -n 1)")
[ -f "$pcdir/tapqd.pc" ] || fail "make install put no tapqd.pc into $tmp"
flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$tmp pkg-config --cflags --libs tapqd)
version=$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion tapqd)
echo "ok pkg-config tapqd $version: $flags"
# shellcheck disable=SC2086 # flags are words
$CC -std=c99 -Wall -Wextra -Werror "$here/test/lib/pkgconfig.c" $flags -o "$out/pkgconfig"
libdir=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir tapqd)
LD_LIBRARY_PATH=$tmp$libdir "$out/pkgconfig"
rm -rf "$tmp"
echo "ok lib-test"
