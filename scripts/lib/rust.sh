# shellcheck shell=bash
# Prepares the Rust toolchain for building shared/rust-crypto (module k_services_crypto).
# Usage: source scripts/lib/rust.sh && ensureRustBuild
# - installs cargo/rustc (Debian) when missing, and the Debian-packaged crates;
# - points cargo's crates-io source at Debian's crate directory (/usr/share/cargo/registry) in
#   ${CARGO_HOME:-$HOME/.cargo}/config.toml when the toolchain is Debian's (rustc 1.63 cannot build
#   the newest crates.io releases of our dependencies' dependencies) or crates.io is unreachable.
#   A newer toolchain (rustup) with crates.io reachable gets nothing written: it builds from crates.io.

RUST_DEBIAN_CRATES=(
    librust-pyo3-dev
    "librust-pyo3-macros+abi3-dev"
    librust-ring-dev
    librust-rust-argon2-dev
    librust-zeroize-dev
)
RUST_DEBIAN_REGISTRY=/usr/share/cargo/registry
RUST_CRATE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/rust-crypto"

rustLog() {
    printf '[rust] %s\n' "$*" >&2
}

rustAptInstall() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        rustLog "missing ${missing[*]} and apt-get is not available; install them by hand"
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    rustLog "installing ${missing[*]} (apt-get)"
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        $sudo apt-get update -qq >/dev/null 2>&1 || true
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    fi
}

rustCratesIoReachable() {
    curl -fsS --max-time 5 -o /dev/null https://index.crates.io/config.json 2>/dev/null
}

# rustDebianToolchain: whether the cargo or the rustc a build runs is a file of a Debian package (rustup's
# proxies in ~/.cargo/bin belong to none).
rustDebianToolchain() {
    local tool path
    for tool in cargo "${RUSTC:-rustc}"; do
        path=$(command -v "$tool" 2>/dev/null) || continue
        path=$(readlink -f "$path")
        dpkg-query -S "$path" >/dev/null 2>&1 && return 0
    done
    return 1
}

# rustWriteSourceReplacement REASON: builds take crates-io from Debian's crate directory; fails (writing
# nothing) when the config already replaces crates-io with a source of its own.
rustWriteSourceReplacement() {
    local reason=$1
    local cargoHome="${CARGO_HOME:-$HOME/.cargo}"
    local config="$cargoHome/config.toml"
    mkdir -p "$cargoHome"
    if [ -f "$config" ] && grep -q '^\[source\.crates-io\]' "$config"; then
        grep -q "^directory = \"$RUST_DEBIAN_REGISTRY\"" "$config" && return 0
        rustLog "$config already replaces crates-io with another source: left as it is"
        return 1
    fi
    rustLog "$reason: using Debian crates from $RUST_DEBIAN_REGISTRY ($config)"
    {
        [ -s "$config" ] && printf '\n'
        printf '# Added by scripts/lib/rust.sh (%s): build from Debian crates.\n' "$reason"
        printf '[source.crates-io]\nreplace-with = "debian"\n\n'
        printf '[source.debian]\ndirectory = "%s"\n' "$RUST_DEBIAN_REGISTRY"
    } >>"$config"
}

# rustDropStaleLock LOCKFILE: removes a Cargo.lock (never committed) that names a crates.io release Debian's
# crate directory lacks, such as one written by an earlier build from crates.io: cargo would refuse it.
rustDropStaleLock() {
    local lock=$1 crate
    [ -f "$lock" ] || return 0
    while read -r crate; do
        if [ ! -d "$RUST_DEBIAN_REGISTRY/$crate" ]; then
            rustLog "removing $lock: it locks $crate, which $RUST_DEBIAN_REGISTRY lacks"
            rm -f "$lock"
            return 0
        fi
    done < <(awk '/^\[\[package\]\]/ { name = ""; version = "" }
        /^name = / { name = $3 } /^version = / { version = $3 }
        /^source = "registry\+/ { gsub(/"/, "", name); gsub(/"/, "", version); print name "-" version }' "$lock")
}

ensureRustBuild() {
    if [ -x "$HOME/.cargo/bin/cargo" ] && ! command -v cargo >/dev/null 2>&1; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        # Debian 12 ships rustc 1.63 / cargo 0.66 (1.65): checked, it builds shared/rust-crypto with maturin.
        rustAptInstall cargo rustc || return 1
    fi
    local reason
    # Debian's rustc builds only from Debian's crates, whether crates.io answers or not: crates.io resolves
    # the newest releases (rust-argon2 -> blake2b_simd -> constant_time_eq 0.3), which need a newer rustc.
    if rustDebianToolchain; then
        reason="Debian's rustc"
    elif rustCratesIoReachable; then
        return 0
    else
        reason="crates.io unreachable"
    fi
    rustAptInstall "${RUST_DEBIAN_CRATES[@]}" || return 1
    if rustWriteSourceReplacement "$reason"; then
        rustDropStaleLock "$RUST_CRATE_DIR/Cargo.lock"
    fi
}
