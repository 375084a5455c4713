#!/usr/bin/env bash
# A trial, not how the images are built: cleanimg_init linked against musl, with the Rust standard
# library rebuilt for size, to measure what the offline environment's static-glibc toolchain costs
# the init. (Online, MODULE.bazel already links static targets with musl: toolchains_musl and
# rules_rust's musl standard library. Debian ships no musl build of the Rust standard library, so
# the offline toolchain links glibc, and glibc alone is about as large as tini-static.)
#
#   rust/cleanimg_init/bench/musl-trial.sh [--test]   then   rust/cleanimg_init/bench/startup.sh
#
# --test also runs the tests of cleanimg_init and libcleanstart built for musl the same way (the
# PID-namespace tests beside tini included), so the trial binary's behaviour is checked, not assumed.
#
# It runs inside the offline environment (tools/offline/env.sh), whose rustc is Debian testing's:
# - rust-src (the same version as that rustc), musl and musl-dev are fetched as Debian packages and
#   unpacked under rust/target/musl-trial (not installed);
# - cargo builds with RUSTC_BOOTSTRAP=1 and -Zbuild-std=std,panic_abort, std's optimize_for_size
#   feature and opt-level s, linking through gcc with musl's crt files and libc.a (a specs file);
# - the standard library's `unwind` crate links libunwind.a for static musl targets; gcc's
#   libgcc_eh.a stands in for it, plus a stub for glibc's _dl_find_object, which libgcc_eh calls
#   to find unwind tables: the stub answers "not found", so nothing can unwind, and with
#   panic=abort nothing needs to.
# The result, rust/target/musl-trial/x86_64-unknown-linux-musl/release/cleanimg_init, is
# measured by startup.sh beside the other inits when it exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=$repo/rust/target/musl-trial
target=x86_64-unknown-linux-musl

if [ "${1:-}" != "--inside" ]; then
  case "${1:-}" in
    "" | --test) ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
  [ "$(uname -m)" = x86_64 ] || { echo "musl-trial.sh: amd64 hosts only" >&2; exit 2; }
  mkdir -p "$out"
  RUN_CWD=$repo/rust BIND_PATHS=$repo exec "$repo/tools/offline/env.sh" run bash "$here/musl-trial.sh" --inside "$@"
fi
run_tests=${2:-}

src=$out/debian
rm -rf "$src" "$out/link"
mkdir -p "$src" "$out/link"
echo "== rust-src, musl, musl-dev (Debian packages, unpacked in $src)"
(cd "$src" && apt-get download -q=2 -o APT::Sandbox::User=root rust-src musl musl-dev >/dev/null)
for deb in "$src"/*.deb; do dpkg-deb -x "$deb" "$src/root"; done
rustc_version=$(rustc -V | awk '{print $2}')
library=$(echo "$src"/root/usr/src/rustc-*/library)
[ -d "$library" ] && [ "$library" = "$src/root/usr/src/rustc-$rustc_version/library" ] ||
  { echo "musl-trial.sh: rust-src ($library) does not match rustc $rustc_version" >&2; exit 1; }

musl=$src/root/usr/lib/x86_64-linux-musl
sed -e "s#/usr/lib/x86_64-linux-musl#$musl#g" \
  -e "s#/usr/include/x86_64-linux-musl#$src/root/usr/include/x86_64-linux-musl#g" \
  "$musl/musl-gcc.specs" >"$out/link/musl-gcc.specs"
libgcc_eh=$(gcc -print-file-name=libgcc_eh.a)
printf 'int _dl_find_object(void *pc, void *result) { (void)pc; (void)result; return -1; }\n' >"$out/link/dl_find_object.c"
gcc -O2 -c "$out/link/dl_find_object.c" -o "$out/link/dl_find_object.o"
cp "$libgcc_eh" "$out/link/libunwind.a"
ar r "$out/link/libunwind.a" "$out/link/dl_find_object.o" 2>/dev/null
printf '#!/bin/sh\nexec gcc -specs=%s -L%s "$@"\n' "$out/link/musl-gcc.specs" "$out/link" >"$out/link/cc"
chmod +x "$out/link/cc"

export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT=$library
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=$out/link/cc RUSTFLAGS="-C link-self-contained=no"
echo "== cargo build -Zbuild-std (rustc $rustc_version, $target)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo build -q --release --locked -p cleanimg_init --bin cleanimg_init \
  --target "$target" -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size --target-dir "$out"
if [ "$run_tests" = --test ]; then
  echo "== cargo test -p cleanimg_init -p libcleanstart ($target)"
  cargo test -q --locked -p cleanimg_init -p libcleanstart --target "$target" \
    -Zbuild-std=std,panic_abort,test --target-dir "$out/test"
fi
bin=$out/$target/release/cleanimg_init
file "$bin"
echo "$(stat -c %s "$bin") bytes: $bin"
