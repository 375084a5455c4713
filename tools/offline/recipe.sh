# The recipe of the offline environment, sourced by env.sh: what goes into the rootfs and how.
# Its hash names the cached environment, so any edit here builds a fresh one on the next run.
# Each s_* function is one step; env.sh runs them in order, logs them and names a failing one.

# Debian testing. bookworm's debootstrap has no script for it, the sid one fits (same layout).
SUITE=forky
PACKAGES=(
  bazel-bootstrap bazel-rules-rust bazel-platforms bazel-skylib bazel-rules-cc bazel-features
  bazel-aspect-bazel-lib bazel-lib bazel-rules-pkg bazel-rules-shell bazel-rules-license
  rustc cargo ca-certificates ca-certificates-java binutils file curl
  libstd-rust-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
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

