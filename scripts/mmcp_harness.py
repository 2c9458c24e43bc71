"""mmcp_harness -- what the benchmark scripts share: the request bodies of scripts/bench, finding
and starting the servers (ours, the Python reference under uvicorn, a gateway), free loopback
ports, waiting until a server is ready and idle again, wrk runs with their report, the control
socket's snapshot, the comparison of two answers, the lines every printout starts with, and the
clean-up of a run (every server stopped and the temporary directory removed on every exit path).

The scripts import it by name: Python puts a script's own folder (scripts/) first on sys.path.
Only the standard library of Python 3 is used.
"""

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "Benchmarks")
VENV_PYTHON = os.path.join(ROOT, ".venv-reference", "bin", "python")
LUA = os.path.join(BENCH_DIR, "wrk-report.lua")
RELEASE_BINARY = os.path.join(ROOT, ".build", "release", "mmcp-console")
TICK = os.sysconf(os.sysconf_names["SC_CLK_TCK"])

# ---------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------

IDENTITY = [0.0, 0.0, 0.0, 1.0]


def null_skeleton():
    """The NullBackbone's canonical skeleton (docs/protocol.md §2.6)."""
    return {"joints": [
        {"name": "Hips", "parent": None, "rest_translation": [0.0, 0.95, 0.0], "rest_rotation": IDENTITY},
        {"name": "Spine", "parent": "Hips", "rest_translation": [0.0, 0.5, 0.0], "rest_rotation": IDENTITY},
        {"name": "Head", "parent": "Spine", "rest_translation": [0.0, 0.3, 0.0], "rest_rotation": IDENTITY},
        {"name": "LeftFoot", "parent": "Hips", "rest_translation": [0.1, -0.95, 0.0], "rest_rotation": IDENTITY},
        {"name": "RightFoot", "parent": "Hips", "rest_translation": [-0.1, -0.95, 0.0], "rest_rotation": IDENTITY},
    ]}


def mixamo_skeleton():
    """A 53-joint Mixamo-style humanoid ("mixamorig:" names), parents listed before children:
    6 trunk joints and a head-top end, 4 arm and 4 leg joints per side, 3 joints on each of the
    five fingers of each hand. Translations in metres (glTF axes, character facing +Z)."""
    p = "mixamorig:"
    joints = []

    def add(name, parent, t, r=IDENTITY):
        joints.append({"name": p + name, "parent": (p + parent) if parent else None,
                       "rest_translation": list(t), "rest_rotation": list(r)})

    add("Hips", None, (0.0, 0.9314, 0.0125))
    add("Spine", "Hips", (0.0, 0.0993, -0.0121))
    add("Spine1", "Spine", (0.0, 0.1165, 0.0))
    add("Spine2", "Spine1", (0.0, 0.1331, 0.0))
    add("Neck", "Spine2", (0.0, 0.1498, 0.0087))
    add("Head", "Neck", (0.0, 0.0932, 0.0271))
    add("HeadTop_End", "Head", (0.0, 0.1845, 0.0652))
    for side, s in (("Left", 1.0), ("Right", -1.0)):
        # arms hang at the sides: the shoulder turns the arm chain down by 90 degrees about Z
        add(side + "Shoulder", "Spine2", (s * 0.0611, 0.1247, -0.0042),
            (0.0, 0.0, s * -0.7071068, 0.7071068))
        add(side + "Arm", side + "Shoulder", (0.0, 0.1286, 0.0))
        add(side + "ForeArm", side + "Arm", (0.0, 0.2745, 0.0))
        add(side + "Hand", side + "ForeArm", (0.0, 0.2583, 0.0))
        for finger, x, z, lengths in (("Thumb", 0.0301, 0.0245, (0.0312, 0.0341, 0.0297)),
                                      ("Index", 0.0283, 0.0021, (0.0951, 0.0378, 0.0264)),
                                      ("Middle", 0.0071, 0.0, (0.0967, 0.0402, 0.0296)),
                                      ("Ring", -0.0152, -0.0013, (0.0897, 0.0371, 0.0288)),
                                      ("Pinky", -0.0354, -0.0047, (0.0803, 0.0286, 0.0217))):
            parent = side + "Hand"
            for k, length in enumerate(lengths, start=1):
                t = (s * x, length, z) if k == 1 else (0.0, length, 0.0)
                add(side + "Hand" + finger + str(k), parent, t)
                parent = side + "Hand" + finger + str(k)
        add(side + "UpLeg", "Hips", (s * 0.0912, -0.0666, -0.0013), (0.0, 0.0, 1.0, 0.0))
        add(side + "Leg", side + "UpLeg", (0.0, 0.4164, 0.0021))
        add(side + "Foot", side + "Leg", (0.0, 0.4037, -0.0137))
        add(side + "ToeBase", side + "Foot", (0.0, 0.1571, 0.0764),
            (0.5, 0.0, 0.0, 0.8660254))
    assert len(joints) == 53, len(joints)
    seen = set()
    for j in joints:
        assert j["parent"] is None or j["parent"] in seen, j
        seen.add(j["name"])
    return {"joints": joints}


def small_item():
    return {"model": "null", "skeleton": null_skeleton(),
            "segments": [{"type": "text", "prompt": "walk forward", "duration_frames": 30}],
            "options": {"num_samples": 1}}


def large_item():
    return {"model": "big", "skeleton": mixamo_skeleton(),
            "segments": [{"type": "text", "prompt": "a long walk that turns left, then a jog",
                          "duration_frames": 300}],
            "options": {"num_samples": 4, "seed": 7}}


def single(item):
    return dict({"protocol_version": "1.4"}, **item)


def batch_body():
    medium = {"model": "null", "skeleton": null_skeleton(),
              "segments": [{"type": "unconditioned", "duration_frames": 60}],
              "options": {"num_samples": 2}}
    # A schema error (duration_frames must be > 0). Not an unknown model: the two servers word
    # that message differently (message texts are not part of the contract, docs/protocol.md §11.3),
    # and scripts/bench wants byte-equal bodies.
    invalid = {"model": "null", "skeleton": null_skeleton(),
               "segments": [{"type": "text", "prompt": "jump", "duration_frames": 0}]}
    return {"protocol_version": "1.4", "requests": [small_item(), large_item(), invalid, medium]}


REQUESTS = [
    # key, title, method, path, body (None for GET)
    ("capabilities", "GET /capabilities (2 models)", "GET", "/capabilities", None),
    ("small", "POST /generate small (NullBackbone skeleton, 30 frames, 1 sample)", "POST",
     "/generate", single(small_item())),
    ("large", "POST /generate large (53-joint rig, 300 frames, 4 samples)", "POST", "/generate",
     single(large_item())),
    ("batch", "POST /generate batch (4 items: small, large, invalid, 60 frames x 2 samples)",
     "POST", "/generate", batch_body()),
]


def encoded(body):
    """A request body as the scripts send it: compact JSON."""
    return json.dumps(body, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------------------------
# Binaries and command lines
# ---------------------------------------------------------------------------------------------


def release_console(explicit=None, build=True):
    """The mmcp-console to measure: `explicit` when given, else .build/release/mmcp-console,
    built first (`swift build -c release`, a no-op when it is up to date) unless build is false.
    Exits when it is not an executable."""
    binary = os.path.abspath(explicit) if explicit else RELEASE_BINARY
    if not explicit and build:
        print("building: swift build -c release --product mmcp-console", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", "mmcp-console"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    if not os.access(binary, os.X_OK):
        raise SystemExit("no binary at %s (swift build -c release --product mmcp-console)" % binary)
    return binary


def require_tools(*tools):
    """Exits naming the first of tools (wrk, tmux, nginx, ...) that is not on PATH."""
    for tool in tools:
        if shutil.which(tool) is None:
            raise SystemExit("%s is missing: apt-get install -y %s"
                             % (tool, "nginx-light" if os.path.basename(tool) == "nginx" else tool))


def console_argv(binary, *extra):
    """`mmcp-console --headless` on 127.0.0.1:{PORT} (Server fills in the port), warnings only."""
    return [binary, "--headless", "--host", "127.0.0.1", "--port", "{PORT}",
            "--log-level", "warning"] + list(extra)


def ours_argv(binary, spec):
    """Ours serving scripts/bench's two NullBackbones: `null`, and `big` with the spec at spec."""
    return console_argv(binary, "--null", "null", "--null", "big=" + spec)


def gateway_argv(binary, upstream):
    """A gateway with no model of its own: it serves every model the upstream lists."""
    return console_argv(binary, "--upstream", "http://127.0.0.1:%d" % upstream.port)


def uvicorn_argv():
    """The reference under uvicorn (with uvloop and httptools, access log off)."""
    return [VENV_PYTHON, "-m", "uvicorn", "reference_app:app", "--app-dir", BENCH_DIR,
            "--host", "127.0.0.1", "--port", "{PORT}", "--log-level", "warning", "--no-access-log"]


def require_reference():
    if not os.access(VENV_PYTHON, os.X_OK):
        raise SystemExit("no reference venv at %s: run scripts/reference-venv" % VENV_PYTHON)


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    """Direct children of pid (from /proc/*/stat)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def socket_inodes(pid):
    """The inodes of the sockets a process holds."""
    out = []
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                out.append(target[8:-1])
    except OSError:
        pass
    return out


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    """utime + stime of a process so far, in clock ticks (TICK a second); 0 once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


class Server:
    """A server on a free loopback port, in a process group of its own, with its output in
    LOG_DIR/LABEL.log. argv's "{PORT}" becomes the port. Every mmcp-console gets a control socket
    of its own (control_socket, default LOG_DIR/LABEL.sock; not the default
    /run/mmcp/control.sock, which another server on this machine may hold)."""

    def __init__(self, label, argv, cwd, log_dir, workers=1, models=(), control_socket=None):
        self.label = label
        self.argv = argv
        self.cwd = cwd
        self.workers = workers
        # Model ids /capabilities must list before the server counts as ready (a gateway lists
        # its upstream's models only once a probe has passed).
        self.models = set(models)
        self.port = None
        self.proc = None
        self.log = None
        name = label.replace(" ", "-").replace("/", "-")
        self.log_path = os.path.join(log_dir, name + ".log")
        self.env = None
        if argv and os.path.basename(argv[0]) == "mmcp-console":
            self.env = dict(os.environ, MMCP_CONTROL_SOCKET=control_socket or os.path.join(log_dir, name + ".sock"))

    @property
    def control_socket(self):
        return self.env["MMCP_CONTROL_SOCKET"] if self.env else None

    def start(self):
        self.port = free_port()
        argv = [a.replace("{PORT}", str(self.port)) for a in self.argv]
        self.log = open(self.log_path, "wb")
        # Own process group, so that stop() also reaches uvicorn's worker processes.
        self.proc = subprocess.Popen(argv, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, env=self.env)

    def wait_ready(self, timeout=90.0):
        """Until /capabilities answers 200 listing self.models, and (several workers) every worker
        runs; exits with the log's tail when the server dies or takes longer than timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("%s exited with status %s before it was ready; log %s:\n%s"
                                 % (self.label, self.proc.returncode, self.log_path, self.log_tail()))
            try:
                status, _, body = http_request(self.port, "GET", "/capabilities", None, timeout=2)
                if status == 200 and (self.workers == 1 or len(self.worker_pids()) >= self.workers) \
                        and self.models <= {m.get("id") for m in json.loads(body).get("models", [])}:
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise SystemExit("%s was not ready within %.0f s; log %s:\n%s"
                         % (self.label, timeout, self.log_path, self.log_tail()))

    def worker_pids(self):
        """The processes that serve requests: the server itself, or uvicorn's workers (children
        of the supervisor that run multiprocessing.spawn, not its resource tracker)."""
        if self.workers == 1:
            return [self.proc.pid]
        return [c for c in children(self.proc.pid)
                if "resource_tracker" not in cmdline(c)]

    def rss_kib(self):
        return sum(rss_kib(p) for p in self.worker_pids())

    def cpu_ticks(self):
        return sum(cpu_ticks(p) for p in self.worker_pids())

    def wait_idle(self, timeout=120.0):
        """Wait until the server stops using CPU: when wrk stops, a server may still be working
        through the requests it had accepted, which would otherwise overlap the next run."""
        deadline = time.monotonic() + timeout
        before = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_ticks()
            if now - before <= 2:  # at most 20 ms of CPU in 0.5 s
                return
            before = now
        print("  warning: %s still busy after %.0f s" % (self.label, timeout), file=sys.stderr)

    def connections_per_worker(self, peer=None, from_peer=True):
        """How many established client connections each serving process holds (from /proc/net/tcp
        and the processes' socket descriptors): uvicorn's workers share one listening socket, and
        wrk's keep-alive connections stay with whichever worker accepted them. With peer (a
        process id): only the connections that process opened (from_peer), or only the others."""
        inodes = set()
        try:
            with open("/proc/net/tcp") as f:
                next(f)
                table = [line.split() for line in f]
        except OSError:
            return []
        peer_ports = None
        if peer is not None:
            peer_inodes = set(socket_inodes(peer))
            peer_ports = {int(fields[1].split(":")[1], 16) for fields in table
                          if fields[9] in peer_inodes}
        for fields in table:
            if fields[3] == "01" and int(fields[1].split(":")[1], 16) == self.port:
                if peer_ports is not None \
                        and (int(fields[2].split(":")[1], 16) in peer_ports) != from_peer:
                    continue
                inodes.add(fields[9])
        return [sum(1 for inode in socket_inodes(p) if inode in inodes) for p in self.worker_pids()]

    def supervisor_rss_kib(self):
        return rss_kib(self.proc.pid) if self.workers > 1 else 0

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to its process group, SIGKILL after 15 s; nothing when it is not running."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()


class Run:
    """One run of a script: a temporary directory, the servers started in it, and their clean-up.
    `with Run(prefix) as run:` makes the directory and turns SIGTERM and SIGHUP into SystemExit;
    leaving the block, however, stops every server run.server made (in reverse order) and
    removes every directory run.directory made."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.servers = []
        self.directories = []
        self.tmp = None

    def __enter__(self):
        def on_signal(signum, _frame):
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGHUP, on_signal)
        self.tmp = self.directory(self.prefix)
        return self

    def __exit__(self, *_):
        for s in reversed(self.servers):
            s.stop()
        for d in self.directories:
            shutil.rmtree(d, ignore_errors=True)
        return False

    def directory(self, prefix, parent=None):
        """A new temporary directory, removed when the run ends."""
        d = tempfile.mkdtemp(prefix=prefix, dir=parent)
        self.directories.append(d)
        return d

    def server(self, label, argv, cwd=ROOT, workers=1, models=(), control_socket=None, cls=Server):
        """A Server (not started yet) logging into the run's directory, stopped when the run ends."""
        s = cls(label, argv, cwd, self.tmp, workers=workers, models=models, control_socket=control_socket)
        self.servers.append(s)
        return s

    def add(self, server):
        """Stop server too when the run ends."""
        self.servers.append(server)
        return server

    def write(self, name, data):
        """Writes data (bytes or str) into the run's directory; returns the path."""
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def big_spec(self):
        """The spec file of scripts/bench's second model, `big` (supports_retargeting)."""
        return self.write("big-spec.json", json.dumps({"supports_retargeting": True}))

    def bodies(self, keys=None):
        """scripts/bench's request bodies (those of keys, default all with a body) written as sent:
        {key: path}."""
        return {key: self.write(key + ".json", encoded(body)) for key, _, _, _, body in REQUESTS
                if body is not None and (keys is None or key in keys)}


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def http_request(port, method, path, body, timeout=60, headers=None):
    """One request on a fresh connection to 127.0.0.1:port: (status, content type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = {"Content-Type": "application/json"} if body is not None else {}
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        r = conn.getresponse()
        return r.status, r.getheader("content-type"), r.read()
    finally:
        conn.close()


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=5):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def control_snapshot(server):
    """GET /v1/snapshot from an mmcp-console's control socket, or None."""
    if not server.control_socket:
        return None
    conn = UnixHTTPConnection(server.control_socket)
    try:
        conn.request("GET", "/v1/snapshot")
        r = conn.getresponse()
        return json.loads(r.read()) if r.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def compare(ref, ours):
    """'byte-equal', 'JSON-equal (...)' or 'DIFFERENT (...)' for two (status, type, body)."""
    (rs, rct, rb), (os_, oct_, ob) = ref, ours
    if rs != os_ or rct != oct_:
        return "DIFFERENT (reference %s %s, ours %s %s)" % (rs, rct, os_, oct_)
    if rb == ob:
        return "byte-equal"
    i = first_difference(rb, ob)
    where = "first byte difference at %d: reference ...%r..., ours ...%r..." % (
        i, rb[max(0, i - 40):i + 40], ob[max(0, i - 40):i + 40])
    try:
        if json.loads(rb) == json.loads(ob):
            return "JSON-equal (%s)" % where
    except ValueError:
        pass
    return "DIFFERENT (%s)" % where


# ---------------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------------


def run_wrk(server, path, body_file, duration, threads=1, conns=16, timeout=None, latency=True,
            port=None, accept=None, also=None):
    """One `wrk -t threads -c conns -d duration` run with Benchmarks/wrk-report.lua against
    server, or against also on port (a gateway in front of server). While it runs, the RSS of
    server (and of also) is sampled every 0.2 s, and 1 s in the connections each of server's
    workers holds (with also: only those also opened when port is given, the others when not).
    Returns wrk's report: requests, rps, ok_rps (2xx only), p50_ms, p99_ms, mean_ms, max_ms,
    errors and error_detail, bytes_per_response, rss_*, connections, wrk_cpu_s (from getrusage)
    and wrk_output."""
    argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % duration]
    if timeout is not None:
        argv += ["--timeout", "%ds" % timeout]
    argv += ["-s", LUA]
    if latency:
        argv.append("--latency")
    if accept:
        argv += ["-H", "Accept: " + accept]
    argv += ["http://127.0.0.1:%d%s" % (port or server.port, path), "--", body_file or ""]
    samples = []
    also_samples = []
    connections = []
    stop = threading.Event()

    def sample():
        started = time.monotonic()
        while not stop.is_set():
            samples.append(server.rss_kib())
            if also is not None:
                also_samples.append(also.rss_kib())
            if not connections and time.monotonic() - started > 1.0:
                connections.extend(server.connections_per_worker(
                    peer=also.proc.pid if also is not None else None, from_peer=port is not None))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    finally:
        stop.set()
        sampler.join()
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = None
    for line in out.splitlines():
        if line.startswith("MMCP-BENCH "):
            report = json.loads(line[len("MMCP-BENCH "):])
    if report is None:
        raise SystemExit("wrk printed no report:\n" + out)
    seconds = report["duration_us"] / 1e6
    detail = {k: report[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "rps": report["requests"] / seconds,
        "ok_rps": (report["requests"] - report["status"]) / seconds,
        "requests": report["requests"],
        "seconds": seconds,
        "p50_ms": report["percentiles_us"]["50"] / 1000.0,
        "p99_ms": report["percentiles_us"]["99"] / 1000.0,
        "mean_ms": report["mean_us"] / 1000.0,
        "max_ms": report["max_us"] / 1000.0,
        "errors": sum(detail.values()),
        "error_detail": detail,
        "bytes_per_response": report["bytes"] / max(report["requests"], 1),
        "rss_peak_mib": max(samples) / 1024.0 if samples else 0.0,
        "rss_mean_mib": sum(samples) / len(samples) / 1024.0 if samples else 0.0,
        "supervisor_rss_mib": server.supervisor_rss_kib() / 1024.0,
        "also_rss_peak_mib": max(also_samples) / 1024.0 if also_samples else 0.0,
        "connections": connections,
        "wrk_cpu_s": (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime),
        "wrk_output": out,
    }


def cpu_us_per_request(ticks, requests):
    """CPU clock ticks spent over a run, per request it completed, in µs (None without requests)."""
    return 1e6 * ticks / TICK / requests if requests else None


def without_output(run):
    """A wrk run's results without wrk's printout, for --json."""
    return {k: v for k, v in run.items() if k != "wrk_output"}


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def mean(values):
    """The mean of the values that are not None; nan when there are none."""
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else float("nan")


def ratio(a, b):
    """a / b, nan when b is 0."""
    return a / b if b else float("nan")


def fmt_ms(ms):
    if ms >= 100:
        return "%.0f ms" % ms
    if ms >= 10:
        return "%.1f ms" % ms
    return "%.2f ms" % ms


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return "%d cores (nproc), %s, %.1f GiB RAM, %s" % (
        os.cpu_count(), model, mem_kib / 1024 / 1024, os.uname().release)


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
