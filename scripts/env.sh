# Shared environment for Latchkey's scripts (sourced, not run).
# A persistent target dir outside the clone lets CI and later runs reuse builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/latchkey-cache/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
export PATH="$HOME/.cargo/bin:$PATH"
