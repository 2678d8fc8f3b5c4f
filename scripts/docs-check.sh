#!/usr/bin/env bash
# Runs the commands README.md, docs/*.md and examples/*/README.md show, so the docs cannot rot.
#
# Every fenced block in those files names its language. A block tagged `sh` is run: each
# page's `sh` blocks, in order, as one bash script with `set -euo pipefail`, in a fresh
# temporary folder that holds a link to each top-level entry of the checkout (`target`,
# `examples`, …), so the store files and certificates a page makes land there. `cargo` runs in
# the checkout. A command ending in `&` (or in `& NAME=$!`, which keeps its process id for a
# later `wait $NAME` or `kill $NAME`) runs in the background as a reader's would, its output
# kept in a log; the next command waits until it has printed its first line on standard
# output (`sink` and `serve` print where they listen, once they do) and fails if it exits
# first. What a page leaves running is
# stopped when it ends.
#
# A `sh` block right after the line `<!-- run by FILE -->` is run by FILE instead (the
# template's commands by scripts/template-check.sh, the whole test suite by .ci/run): each of
# its commands must appear in FILE, or this script fails. A block tagged `sh-norun` shows
# commands that cannot run here (installing a service, building a container): they are
# listed, never run. `text` is for output and layouts. An untagged block, or one tagged
# `bash`, `shell`, `console` or `zsh`, is an error: every command shown is either run or
# marked.
#
# Each page gets DOCS_PAGE_TIMEOUT seconds (default 1500: enough for the release build that
# docs/deployment.md shows, when nothing was built before; a few seconds otherwise).
#
#   scripts/docs-check.sh                      # every page
#   scripts/docs-check.sh docs/operations.md   # some pages
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# shellcheck source=scripts/processes.sh
source "$repo/scripts/processes.sh"

if [ $# -gt 0 ]; then
    pages=("$@")
else
    pages=(README.md docs/*.md examples/*/README.md)
fi

# The page scripts, one per page with `sh` blocks; the fence errors and the skipped blocks.
mkdir -p "$work/scripts"
python3 - "$work/scripts" "${pages[@]}" <<'PYTHON'
import os, re, shlex, sys

out_dir, pages = sys.argv[1], sys.argv[2:]
COMMAND_LIKE = {"", "bash", "shell", "console", "zsh", "sh-session", "shell-session"}
errors, norun, delegated = [], [], []

def commands(lines):
    """Logical lines: continuations joined, blank and comment-only lines dropped."""
    joined, current = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            joined.append(current)
        current = ""
    return joined

for n, page in enumerate(pages):
    text = open(page, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(text):
        fence = re.match(r"^(\s*)(```+|~~~+)\s*(.*)$", text[i])
        if not fence:
            i += 1
            continue
        indent, marker, info = fence.group(1), fence.group(2), fence.group(3).strip()
        tag = info.split()[0] if info else ""
        start, body = i + 1, []
        i += 1
        while i < len(text) and not re.match(r"^\s*" + re.escape(marker) + r"\s*$", text[i]):
            body.append(text[i][len(indent):] if text[i].startswith(indent) else text[i])
            i += 1
        i += 1
        where = f"{page}:{start}"
        before = text[start - 2].strip() if start >= 2 else ""
        if tag in COMMAND_LIKE:
            errors.append(f"{where}: a block tagged {tag or 'nothing'}: tag it `sh` (run here), "
                          "`sh-norun` (commands that cannot run here) or `text`")
        elif tag == "sh-norun":
            norun.append(where)
        elif tag == "sh":
            runner = re.match(r"^<!-- run by (\S+) -->$", before)
            if runner:
                delegated.append((where, runner.group(1), commands(body)))
            else:
                blocks.append((where, body))
    if not blocks:
        continue
    script = []
    for where, body in blocks:
        script.append(f"__block {shlex.quote(where)}")
        for line in commands(body):
            shown = line.strip()
            script.append(f"printf '$ %s\\n' {shlex.quote(shown)}")
            background = re.match(r"^(.*[^&])&\s*(\w+=\$!)?\s*(#.*)?$", line)
            if background:
                keep = f"{background.group(2)}; " if background.group(2) else ""
                script.append(f"{background.group(1).rstrip()} > \"$(__log)\" 2> \"$(__log).err\" & {keep}__started $!")
            else:
                script.append(line)
    name = f"{n:03d}-" + page.replace("/", "_") + ".sh"
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
        f.write(page + "\n" + "\n".join(script) + "\n")

for where, runner, lines in delegated:
    try:
        source = open(runner, encoding="utf-8").read()
    except OSError:
        errors.append(f"{where}: says it is run by {runner}, which does not exist")
        continue
    for line in lines:
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command not in source:
            errors.append(f"{where}: says it is run by {runner}, which does not run: {command}")
for where in norun:
    print(f"shown, not run (sh-norun): {where}")
for where, runner, _ in delegated:
    print(f"run by {runner}: {where}")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PYTHON

# What every page script starts with.
cat > "$work/prelude.sh" <<'PRELUDE'
set -euo pipefail
# cargo builds in the checkout, where its build folder is.
cargo() { (cd "$REPO" && command cargo "$@"); }
__logs=0
__block() { echo "== $1"; }
__log() { echo "$PAGE_DIR/background-$__logs.log"; }
# Waits for a background command's first line on standard output; fails if it exits before.
__started() {
    local pid=$1 log
    log="$PAGE_DIR/background-$__logs.log"
    __logs=$((__logs + 1))
    for _ in $(seq 600); do
        [ -s "$log" ] && { head -1 "$log"; return 0; }
        kill -0 "$pid" 2>/dev/null || { echo "it exited:"; cat "$log" "$log.err"; return 1; }
        sleep 0.1
    done
    echo "it printed nothing within 60 s"
    return 1
}
__stop_background() {
    local jobs
    jobs=$(jobs -p)
    [ -z "$jobs" ] && return 0
    # shellcheck disable=SC2086
    kill $jobs 2>/dev/null || true
    wait 2>/dev/null || true
}
trap __stop_background EXIT
PRELUDE

failed=0
for script in "$work"/scripts/*.sh; do
    [ -e "$script" ] || continue
    page=$(head -1 "$script")
    page_dir="$work/$(basename "$script" .sh)"
    mkdir -p "$page_dir"
    for entry in "$repo"/* "$repo"/.ci; do
        ln -s "$entry" "$page_dir/$(basename "$entry")"
    done
    echo "==== $page"
    { cat "$work/prelude.sh"; tail -n +2 "$script"; } > "$page_dir.sh"
    if ! (cd "$page_dir" && REPO="$repo" PAGE_DIR="$page_dir" timeout "${DOCS_PAGE_TIMEOUT:-1500}" bash "$page_dir.sh"); then
        echo "FAILED: $page (the logs of what it ran in the background:)"
        for log in "$page_dir"/background-*.log "$page_dir"/background-*.log.err; do
            [ -e "$log" ] && { echo "-- $log"; cat "$log"; }
        done
        failed=1
    fi
done
[ "$failed" = 0 ] || exit 1
echo "ok: every command the docs show ran"
