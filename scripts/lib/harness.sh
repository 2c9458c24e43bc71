# harness.sh -- what the check-* scripts share, sourced by them (not run):
#
#   root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
#   . "$root/scripts/lib/harness.sh"
#
# finding mmcp-console, a temporary directory with a clean-up on every exit path, free
# loopback ports, starting servers with their output in the directory, waiting until one
# answers, and stopping them. Every server started with harness_spawn is stopped when the
# script exits (whatever the path); KEEP_LOGS=1 keeps the directory with the logs.
#
# Variables it reads: root (the repository), python (the interpreter for its small Python
# helpers; default python3). Variables it sets: console, tmp, harness_pid.

# harness_console [build]: sets console to $MMCP_CONSOLE or .build/debug/mmcp-console. When
# it is not an executable: with `build` and no MMCP_CONSOLE, builds it (swift build
# --product mmcp-console); otherwise, or when that fails, says so and exits with status 2.
harness_console() {
    console="${MMCP_CONSOLE:-$root/.build/debug/mmcp-console}"
    [ -x "$console" ] && return 0
    if [ -n "${MMCP_CONSOLE:-}" ]; then
        echo "FAIL: MMCP_CONSOLE=$console is not an executable" >&2
        exit 2
    fi
    if [ "${1:-}" != build ]; then
        echo "FAIL: no mmcp-console at $console (swift build --product mmcp-console, or set MMCP_CONSOLE)" >&2
        exit 2
    fi
    echo "no $console: building it" >&2
    (cd "$root" && swift build --product mmcp-console) >&2 || { echo "FAIL: swift build failed" >&2; exit 2; }
}

harness_pids=()

# harness_tmp NAME: makes the temporary directory tmp ($TMPDIR/NAME.XXXXXX) and sets the
# traps: on exit, every server still tracked is stopped (the last started first) and tmp
# removed (kept, and named on stderr, with KEEP_LOGS=1); INT and TERM exit with 130 and 143.
harness_tmp() {
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    trap harness_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

harness_cleanup() {
    local status=$? i
    trap - EXIT INT TERM
    for ((i = ${#harness_pids[@]} - 1; i >= 0; i--)); do
        harness_stop "${harness_pids[i]}"
    done
    if [ "${KEEP_LOGS:-0}" = 1 ]; then
        echo "logs kept in $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}

# harness_spawn NAME COMMAND...: runs COMMAND in the background with its output in
# $tmp/NAME.log; sets harness_pid and stops it on exit unless harness_stop did before.
harness_spawn() {
    local name="$1"
    shift
    "$@" >"$tmp/$name.log" 2>&1 &
    harness_pid=$!
    harness_pids+=("$harness_pid")
}

# harness_start_console NAME PORT ARGS...: harness_spawn of `mmcp-console --headless` on
# 127.0.0.1:PORT, warnings only, followed by ARGS, with a control socket of its own
# ($tmp/NAME.sock; not the default, which another server on this machine may hold).
harness_start_console() {
    local name="$1" port="$2"
    shift 2
    harness_spawn "$name" env MMCP_CONTROL_SOCKET="$tmp/$name.sock" "$console" --headless \
        --host 127.0.0.1 --port "$port" --log-level warning "$@"
}

# harness_forget PID: no longer stop PID on exit (for a process the script has waited for:
# its id may belong to another process by then).
harness_forget() {
    local i kept=()
    for i in "${harness_pids[@]}"; do
        [ "$i" = "$1" ] || kept+=("$i")
    done
    harness_pids=("${kept[@]}")
}

# harness_stop PID: stops one process this script started: SIGTERM, SIGKILL after 5 s, and
# forgets it.
harness_stop() {
    local pid="$1" i
    [ -n "$pid" ] || return 0
    harness_forget "$pid"
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# harness_free_ports N: prints N free loopback ports on one line.
harness_free_ports() {
    "${python:-python3}" -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))' "$1"
}

# harness_wait_ready URL PID SECONDS [models]: until GET URL answers 200 (with `models`: a JSON
# body listing at least one model, as a gateway's /capabilities does once a probe of its
# upstream has passed), for at most SECONDS, and only while PID runs. On failure, says what it
# last saw on stderr and returns 1.
harness_wait_ready() {
    "${python:-python3}" - "$@" <<'PY'
import http.client, json, sys, time, urllib.parse

url, pid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
want_models = len(sys.argv) > 4 and sys.argv[4] == "models"


def running():
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


u = urllib.parse.urlsplit(url)
deadline = time.monotonic() + seconds
last = "no answer"
while time.monotonic() < deadline:
    if not running():
        print(f"{url}: the server exited before it answered (last: {last})", file=sys.stderr)
        sys.exit(1)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=2.0)
    try:
        conn.request("GET", u.path or "/")
        r = conn.getresponse()
        body = r.read()
        last = f"status {r.status}"
        if r.status == 200:
            if not want_models or json.loads(body).get("models"):
                sys.exit(0)
            last = "200 without models"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        last = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    time.sleep(0.1)
print(f"{url} not ready within {seconds:g} s (last: {last})", file=sys.stderr)
sys.exit(1)
PY
}

# harness_log_tail LOG: its last 20 lines on stderr, under a heading.
harness_log_tail() {
    echo "--- last lines of $1:" >&2
    tail -n 20 "$1" >&2 || true
}
