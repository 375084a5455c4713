# The recipe of the offline environment, sourced by env.sh: what goes into the rootfs and how.
# Its hash names the cached environment, so any edit here builds a fresh one on the next run.
# Each s_* function is one step; env.sh runs them in order, logs them and names a failing one.

# Debian testing. bookworm's debootstrap has no script for it, the sid one fits (same layout).
SUITE=forky
PACKAGES=(
  bazel-bootstrap bazel-rules-rust bazel-platforms bazel-skylib bazel-rules-cc bazel-features
  bazel-aspect-bazel-lib bazel-lib bazel-rules-pkg bazel-rules-shell bazel-rules-license
  rustc cargo ca-certificates ca-certificates-java binutils file curl
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  # The static platforms link musl; rust-src is what s_musl_std builds its standard library from.
  musl-dev musl-dev:arm64 rust-src
  crane jq zstd
)
# rules_rust's process_wrapper is built with this crate; Bazel fetches it by checksum from --distdir.
TINYJSON_VERSION=2.5.1
TINYJSON_SHA256=9ab95735ea2c8fd51154d01e39cf13912a78071c2d89abc49a7ef102a7dd725a

s_host_tools() {
  command -v debootstrap >/dev/null && command -v unshare >/dev/null && return 0
  apt-get update -q
  apt-get install -y -q --no-install-recommends debootstrap util-linux debian-archive-keyring
}

s_debootstrap() {
  if findmnt -rn -o TARGET | grep -q "^$ROOT"; then
    echo "mounts below $ROOT; refusing to delete it"; return 1
  fi
  rm -rf "$ROOT"
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$SUITE" "$ROOT" "$(host_mirror)" /usr/share/debootstrap/scripts/sid
}

s_packages() {
  # Debian stable as well, pinned below testing: nothing is installed from it, but tests can
  # fetch real binaries that testing dropped (toybox) with `apt-get download`.
  printf 'deb %s %s main\ndeb %s bookworm main\n' "$(host_mirror)" "$SUITE" "$(host_mirror)" >"$ROOT/etc/apt/sources.list"
  printf 'Package: *\nPin: release n=bookworm\nPin-Priority: 100\n' >"$ROOT/etc/apt/preferences.d/50cleanstart-stable"
  # The mirror may serve a snapshot whose Release file is already past its Valid-Until date.
  cat >"$ROOT/etc/apt/apt.conf.d/99cleanstart" <<'EOF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
Acquire::Languages "none";
EOF
  # The host may reach the mirror and crates.io through a TLS-intercepting proxy: trust its CAs.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  fi
  in_root /bin/bash -c "set -e
    dpkg --add-architecture arm64
    apt-get update -q
    apt-get install -y -q ${PACKAGES[*]}
    update-ca-certificates
    apt-get clean"
}

s_cargo_bazel() {
  # crate_universe's generator, from the rules_rust sources Debian ships (no download of it).
  in_root /bin/bash -c 'set -e
    rm -rf /opt/src/cargo-bazel; mkdir -p /opt/src
    cp -a /usr/share/bazel/rules/rust/crate_universe /opt/src/cargo-bazel
    cd /opt/src/cargo-bazel
    cargo build --release --locked -p cargo-bazel --bin cargo-bazel
    install -D -m755 target/release/cargo-bazel /opt/cleanstart/bin/cargo-bazel
    rm -rf /opt/src/cargo-bazel'
}

s_cargo_index() {
  # cargo >= 1.85 names its sparse index directory <host>-1949cf8c6b5b557f, while the crates-index
  # crate inside cargo-bazel 0.15 looks for the older <host>-6f17d22bba15001f. Give it that name.
  in_root /bin/bash -c 'set -e
    cd /root/.cargo/registry/index
    new=$(ls -d ./*-1949cf8c6b5b557f | head -n 1)
    [ -n "$new" ] || { echo "no cargo sparse index directory found"; exit 1; }
    new=${new#./}
    ln -sfn "$new" "${new%-*}-6f17d22bba15001f"'
}

s_distdir() {
  in_root /bin/bash -c "set -e
    d=\$(mktemp -d); cd \"\$d\"
    cargo init -q --name tinyjson_fetch
    cargo add -q tinyjson@=$TINYJSON_VERSION
    cargo fetch -q
    mkdir -p /opt/cleanstart/distdir
    cp /root/.cargo/registry/cache/*/tinyjson-$TINYJSON_VERSION.crate /opt/cleanstart/distdir/
    echo '$TINYJSON_SHA256  /opt/cleanstart/distdir/tinyjson-$TINYJSON_VERSION.crate' | sha256sum -c
    rm -rf \"\$d\""
}

s_host_tools_repo() {
  # What rules_rust's rust_host_tools repository would download: here, the system cargo and rustc.
  # --config=offline points that repository at this directory.
  local d=$ROOT/opt/cleanstart/rust_host_tools
  rm -rf "$d"; mkdir -p "$d/bin"
  ln -s /usr/bin/cargo "$d/bin/cargo"
  ln -s /usr/bin/rustc "$d/bin/rustc"
  : >"$d/WORKSPACE.bazel"
  cat >"$d/BUILD.bazel" <<'EOF'
package(default_visibility = ["//visibility:public"])

exports_files(["bin/cargo", "bin/rustc"])

filegroup(name = "cargo", srcs = ["bin/cargo"])

filegroup(name = "rustc", srcs = ["bin/rustc"])
EOF
}


s_musl_std() {
  # The Rust standard library for x86_64- and aarch64-unknown-linux-musl, which Debian does not
  # ship: built from Debian's rust-src (the same version as its rustc) into a sysroot at
  # /opt/cleanstart/rust-musl, which //platforms:static binaries link against with musl-dev's
  # libc.a (tools/offline/toolchains_musl). Debian testing's rustc reads it, so no nightly is needed
  # except to build it (RUSTC_BOOTSTRAP, as Rust's own bootstrap does).
  # - Features: panic-unwind only. std's default `backtrace` feature adds a DWARF symbolizer
  #   (gimli, addr2line: about 200 KiB per binary) that could never name a frame in the images'
  #   binaries, which carry no symbol table.
  # - libunwind.a, which std's unwind crate links for static musl targets, is gcc's libgcc_eh.a
  #   plus _dl_find_object below: Debian builds libgcc_eh for glibc, whose loader provides it.
  in_root /bin/bash -c '
set -euo pipefail
version=$(rustc -V | cut -d" " -f2)
library=/usr/src/rustc-$version/library
[ -d "$library" ] || { echo "rust-src does not match rustc $version: no $library"; exit 1; }
work=/opt/src/musl-std
sysroot=/opt/cleanstart/rust-musl
rm -rf "$work" "$sysroot"
mkdir -p "$work"
cd "$work"
cat >dl_find_object.c <<EOF
/* The _dl_find_object of glibc 2.35, which libgcc_eh.a calls to find the unwind tables
   (PT_GNU_EH_FRAME) of the object holding a code address. musl has no such function; its
   dl_iterate_phdr, which works in static binaries too, gives the same answer. */
#include <link.h>
#include <stdint.h>

/* glibc layout where DLFO_STRUCT_HAS_EH_DBASE and DLFO_STRUCT_HAS_EH_COUNT are 0 (x86_64, aarch64). */
struct dl_find_object {
  unsigned long long dlfo_flags;
  void *dlfo_map_start;
  void *dlfo_map_end;
  struct link_map *dlfo_link_map;
  void *dlfo_eh_frame;
  unsigned long long dlfo_reserved[7];
};

struct query {
  uintptr_t pc;
  struct dl_find_object *result;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data) {
  struct query *q = data;
  uintptr_t low = UINTPTR_MAX, high = 0;
  void *eh_frame = 0;
  int holds_pc = 0;
  (void)size;
  for (size_t i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD) {
      if (start < low) low = start;
      if (start + ph->p_memsz > high) high = start + ph->p_memsz;
      if (q->pc >= start && q->pc - start < ph->p_memsz) holds_pc = 1;
    } else if (ph->p_type == PT_GNU_EH_FRAME) {
      eh_frame = (void *)start;
    }
  }
  if (!holds_pc) return 0;
  q->result->dlfo_flags = 0;
  q->result->dlfo_map_start = (void *)low;
  q->result->dlfo_map_end = (void *)high;
  q->result->dlfo_link_map = 0;
  q->result->dlfo_eh_frame = eh_frame;
  return 1;
}

int _dl_find_object(void *pc, struct dl_find_object *result) {
  struct query q = {(uintptr_t)pc, result};
  if (dl_iterate_phdr(visit, &q) == 0 || result->dlfo_eh_frame == 0) return -1;
  return 0;
}
EOF
# Rust bootstrap compiles panic_abort with panic=abort (the rest of std unwinds), so that binaries
# can link either strategy; and it embeds LLVM bitcode, so that binaries can use LTO.
printf "#!/bin/sh\ncase \" \$* \" in *\" --crate-name panic_abort \"*) exec \"\$@\" -Cpanic=abort -Cembed-bitcode=yes ;; esac\nexec \"\$@\" -Cembed-bitcode=yes\n" >rustc-wrapper
chmod +x rustc-wrapper
cargo init -q --lib --name musl_std_root --vcs none
for arch in x86_64 aarch64; do
  triple=$arch-unknown-linux-musl
  case $arch in x86_64) gcc=gcc ;; aarch64) gcc=aarch64-linux-gnu-gcc ;; esac
  specs=/usr/lib/$arch-linux-musl/musl-gcc.specs
  lib=$sysroot/lib/rustlib/$triple/lib
  mkdir -p "$lib"
  "$gcc" -specs="$specs" -O2 -Wall -Werror -c dl_find_object.c -o "dl_find_object-$arch.o"
  install -m644 "$("$gcc" -print-file-name=libgcc_eh.a)" "$lib/libunwind.a"
  ar rs "$lib/libunwind.a" "dl_find_object-$arch.o"
  RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$library" RUSTC_WRAPPER="$work/rustc-wrapper" \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    cargo build -q --release --target "$triple" \
      -Zbuild-std=std,panic_abort,test -Zbuild-std-features=panic-unwind
  find "target/$triple/release/deps" -name "lib*.rlib" ! -name "libmusl_std_root-*" -exec install -m644 -t "$lib" {} +
  ls "$lib"/libstd-*.rlib "$lib"/libtest-*.rlib
done
rm -rf "$work"'
}
