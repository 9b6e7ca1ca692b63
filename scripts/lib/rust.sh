# shellcheck shell=bash
# Prepares the Rust toolchain for building shared/rust-crypto (module k_services_crypto).
# Usage: source scripts/lib/rust.sh && ensureRustBuild
# - installs cargo/rustc (Debian) when missing, and the Debian-packaged crates;
# - when crates.io is unreachable, points cargo's crates-io source at Debian's crate directory
#   (/usr/share/cargo/registry) in ${CARGO_HOME:-$HOME/.cargo}/config.toml. Where crates.io
#   answers nothing is written, so the same Cargo.toml builds normally from crates.io.

RUST_DEBIAN_CRATES=(
    librust-pyo3-dev
    "librust-pyo3-macros+abi3-dev"
    librust-ring-dev
    librust-rust-argon2-dev
    librust-zeroize-dev
)
RUST_DEBIAN_REGISTRY=/usr/share/cargo/registry

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

rustWriteSourceReplacement() {
    local cargoHome="${CARGO_HOME:-$HOME/.cargo}"
    local config="$cargoHome/config.toml"
    mkdir -p "$cargoHome"
    if [ -f "$config" ] && grep -q '^\[source\.crates-io\]' "$config"; then
        return 0
    fi
    rustLog "crates.io unreachable: using Debian crates from $RUST_DEBIAN_REGISTRY ($config)"
    {
        [ -s "$config" ] && printf '\n'
        printf '# Added by scripts/lib/rust.sh: crates.io was unreachable, build from Debian crates.\n'
        printf '[source.crates-io]\nreplace-with = "debian"\n\n'
        printf '[source.debian]\ndirectory = "%s"\n' "$RUST_DEBIAN_REGISTRY"
    } >>"$config"
}

ensureRustBuild() {
    if [ -x "$HOME/.cargo/bin/cargo" ] && ! command -v cargo >/dev/null 2>&1; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        # Debian 12 ships rustc 1.63 / cargo 0.66 (1.65): checked, it builds shared/rust-crypto with maturin.
        rustAptInstall cargo rustc || return 1
    fi
    if rustCratesIoReachable; then
        return 0
    fi
    rustAptInstall "${RUST_DEBIAN_CRATES[@]}" || return 1
    rustWriteSourceReplacement
}
