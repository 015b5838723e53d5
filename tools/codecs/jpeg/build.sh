#!/bin/sh
# Builds libjpeg-turbo.wasm: Debian 12's libjpeg-turbo 2.1.5 source (the library PIL 9.4 decodes JPEGs with
# here), its plain C paths (no SIMD assembly), and shim.c, with clang 14 + wasm-ld + wasi-libc.
# Usage: tools/codecs/jpeg/build.sh [output.wasm]   (default: src/core/image/jpeg/libjpeg-turbo.wasm)
# Needs: a deb-src entry for bookworm main, `apt-get install clang lld wasi-libc dpkg-dev`.
set -eu

VERSION=2.1.5
DEBIAN_REVISION=2.1.5-2
DEBIAN_VERSION=1:$DEBIAN_REVISION
ORIG_SHA256=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c
DSC_SHA256=d718ead0dfbcbc8523665c02a7f7152e31039ded641d022868722623bb3b486d

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${1:-$ROOT/src/core/image/jpeg/libjpeg-turbo.wasm}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
apt-get source --download-only "libjpeg-turbo=$DEBIAN_VERSION" >/dev/null 2>&1
echo "$ORIG_SHA256  libjpeg-turbo_$VERSION.orig.tar.gz" | sha256sum -c -
echo "$DSC_SHA256  libjpeg-turbo_$DEBIAN_REVISION.dsc" | sha256sum -c -
# Debian's patches touch the SIMD start-up, timestamps, a man page and RPATH: none of the C decoder.
tar xzf "libjpeg-turbo_$VERSION.orig.tar.gz"
SRC=$WORK/libjpeg-turbo-$VERSION

# The headers CMake would generate, with Debian's options (JPEG 6.2 ABI as libjpeg62-turbo, arithmetic
# decoding on as Debian builds it, 8-bit samples), SIMD off.
cat >"$SRC/jconfig.h" <<CFG
#define JPEG_LIB_VERSION 62
#define LIBJPEG_TURBO_VERSION $VERSION
#define LIBJPEG_TURBO_VERSION_NUMBER 2001005
#define D_ARITH_CODING_SUPPORTED 1
#define BITS_IN_JSAMPLE 8
CFG
cat >"$SRC/jconfigint.h" <<CFG
#define BUILD "wasm"
#undef inline
#define INLINE __inline__ __attribute__((always_inline))
#define THREAD_LOCAL
#define PACKAGE_NAME "libjpeg-turbo"
#define VERSION "$VERSION"
#define SIZEOF_SIZE_T 4
#define HAVE_BUILTIN_CTZL
#define FALLTHROUGH __attribute__((fallthrough));
CFG
sed "s/@COPYRIGHT_YEAR@/1991-2023/" "$SRC/jversion.h.in" >"$SRC/jversion.h"

SOURCES="jdapimin.c jdapistd.c jdcoefct.c jdcolor.c jddctmgr.c jdhuff.c jdinput.c jdmainct.c jdmarker.c
  jdmaster.c jdmerge.c jdphuff.c jdpostct.c jdsample.c jerror.c jidctflt.c jidctfst.c jidctint.c jidctred.c
  jquant1.c jquant2.c jutils.c jmemmgr.c jmemnobs.c jcomapi.c jaricom.c jdarith.c jsimd_none.c"

CFLAGS=${CFLAGS:-"-O2"}
FLAGS="--target=wasm32-wasi $CFLAGS -DNO_GETENV -DNO_PUTENV -I$SRC -fno-exceptions -Wno-everything"
OBJS=""
for f in $SOURCES; do
  clang $FLAGS -c "$SRC/$f" -o "$WORK/${f%.c}.o"
  OBJS="$OBJS $WORK/${f%.c}.o"
done
clang $FLAGS -Wall -Werror -c "$HERE/shim.c" -o "$WORK/shim.o"

# A reactor (no main); 64 KiB stack; memory may grow to MAX_MEMORY (a lying header hits libjpeg's own
# max_memory_to_use first, set per decoder by the JS side).
clang --target=wasm32-wasi $CFLAGS -mexec-model=reactor \
  -Wl,--no-entry -Wl,--strip-all -Wl,-z,stack-size=65536 -Wl,--max-memory=268435456 \
  -Wl,--export=malloc -Wl,--export=free \
  -o "$OUT" $OBJS "$WORK/shim.o"
# The committed wasm's hash, checked by test/core/image/jpeg-rows.test.ts.
(cd "$(dirname "$OUT")" && sha256sum "$(basename "$OUT")") | tee "$HERE/libjpeg-turbo.wasm.sha256"
