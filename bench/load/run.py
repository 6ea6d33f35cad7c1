# The commands started here are this repository's own and the machine's (weibao, locust, uptime,
# redis-cli, PostgreSQL's tools), with arguments made here; the URL is gunicorn's on loopback.
# ruff: noqa: S603, S607, S310
"""The load test (docs/performance.md, "Load test"): weibao in production mode on loopback —
gunicorn (`weibao serve`, WEIBAO_ENV=production), PostgreSQL, the Redis cache — with the
200,000 children of bench/load/build.py, driven by locust (bench/load/locustfile.py) at one or
more numbers of simultaneous users.

    .venv/bin/python bench/load/run.py --build --users 20 50 100 --minutes 3

--knee LOW HIGH finds the load that saturates the machine and measures the pages there: a step
at LOW users (light: the requests barely wait) and one at HIGH (past saturation: the
throughput is the most the cores give), then a step at the saturation point
N* = LOW × X(HIGH) / X(LOW), X being the requests/s. Why that number: a user is a closed
loop of a request and a think time, so at a light load N = X × (R + Z) with R close to the
request's own time; N* is the number of such users whose demand, at their unqueued pace,
equals the most the machine serves. Fewer users leave the cores idle some of the time; each
user beyond N* adds no throughput, only a wait for a worker, so past it every page's time
grows with the number of users whatever the pages cost (docs/performance.md, "The load that
saturates two cores").

    .venv/bin/python bench/load/run.py --build --knee 40 200 --minutes 2

Locust lives in var/load-venv, pinned in requirements-load.lock (not in the app's environment:
`make setup` does not install it); `make loadtest` makes it and runs this. Needs PostgreSQL at
127.0.0.1:5432 (trust) and Redis at 127.0.0.1:6379. The database (weibao_load) is made by
--build and dropped by --drop; Redis database 11 is the cache (emptied before each step).

For each step: locust's figures after every user has signed in (requests/s, p50/p95/p99 per
page, failures), and the CPU the machine spent meanwhile, sampled once a second from /proc per
process: gunicorn (its process group), the PostgreSQL backends of this database (their process
title names it), Redis, locust itself, and everything else (other people's work on the shared
machine).
Requests/s per core = requests/s ÷ the cores the server side (gunicorn + PostgreSQL + Redis)
used on average.
"""

import argparse
import csv
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"
VENV = ROOT / "var" / "load-venv"
LOCK = ROOT / "requirements-load.lock"
DB = "weibao_load"
CACHE_DB = 11
TICK = os.sysconf("SC_CLK_TCK")


def environment() -> dict[str, str]:
    env_file = VAR / "env"
    if not env_file.exists():
        from cryptography.fernet import Fernet

        VAR.mkdir(parents=True, exist_ok=True)
        env_file.write_text(
            "WEIBAO_ENV=production\n"
            f"WEIBAO_SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"WEIBAO_FIELD_KEYS={Fernet.generate_key().decode()}\n"
            f"WEIBAO_HASH_KEY={secrets.token_urlsafe(32)}\n"
            f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/{DB}\n"
            f"WEIBAO_CACHE_URL=redis://127.0.0.1:6379/{CACHE_DB}\n"
            "WEIBAO_ALLOWED_HOSTS=127.0.0.1\n"
            "WEIBAO_PROXY_SSL_HEADER=1\n"
            "WEIBAO_TRUSTED_PROXIES=127.0.0.1\n"
            f"WEIBAO_VAR_DIR={VAR / 'var'}\n"
            f"WEIBAO_STATIC_ROOT={VAR / 'static'}\n"
        )
    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


def locust_venv() -> Path:
    stamp = VENV / f".installed-{zlib.crc32(LOCK.read_bytes()):x}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [VENV / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(LOCK)],
            check=True,
        )  # fmt: skip
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    return VENV / "bin" / "locust"


# --- CPU per process, from /proc -------------------------------------------------------------


def _stat(pid: str) -> tuple[int, int, int] | None:
    """(process group, utime + stime, start time) in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), int(fields[11]) + int(fields[12]), int(fields[19])


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _busy() -> int:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values) - values[3] - values[4]


def _boot_ticks() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) * TICK


class CpuSampler(threading.Thread):
    """Cores used per group of processes between start() and stop(), sampled every second; a
    process that ends between two samples loses at most its last second."""

    def __init__(self, groups: dict[str, int]):
        super().__init__(daemon=True)
        self.groups = groups  # name → process group id
        self.used: dict[str, int] = {}
        self.halt = threading.Event()

    def _classify(self, pid: str, pgrp: int) -> str | None:
        for name, group in self.groups.items():
            if pgrp == group:
                return name
        line = _cmdline(pid)
        if line.startswith("postgres: ") and f" {DB} " in line:
            return "postgres"
        if "redis-server" in line:
            return "redis"
        return None

    def _sample(self) -> dict[str, tuple[str | None, int, int]]:
        seen = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit() and (stat := _stat(pid)) is not None:
                seen[pid] = (stat[0], stat[1], stat[2])
        return seen

    def run(self) -> None:
        start_ticks, busy0, t0 = _boot_ticks(), _busy(), time.monotonic()
        last = self._sample()
        names: dict[str, str | None] = {}
        while not self.halt.wait(1.0):
            now = self._sample()
            for pid, (pgrp, jiffies, started) in now.items():
                if pid not in names:
                    names[pid] = self._classify(pid, pgrp)
                before = last.get(pid)
                if before is not None and before[2] == started:
                    delta = jiffies - before[1]
                elif started >= start_ticks:
                    delta = jiffies  # born during the window
                else:
                    delta = 0
                name = names[pid]
                if name:
                    self.used[name] = self.used.get(name, 0) + delta
            last = now
        seconds = time.monotonic() - t0
        total = (_busy() - busy0) / TICK / seconds
        self.cores = {name: used / TICK / seconds for name, used in self.used.items()}
        self.cores["everything else"] = max(total - sum(self.cores.values()), 0.0)
        self.cores["machine total"] = total
        self.seconds = seconds

    def stop(self) -> dict[str, float]:
        self.halt.set()
        self.join()
        return self.cores


class DbSampler(threading.Thread):
    """Once a second: how many of this database's backends are running a statement, and how
    many of those wait for a lock (the audit chains' head rows are one lock for every write and
    every read of a child's file: docs/performance.md, "Load test")."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE state = 'active'),"
        " count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')"
        " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    )

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[tuple[int, int]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
            while not self.halt.wait(1.0):
                self.samples.append(c.execute(self.QUERY, (DB,)).fetchone())

    def stop(self) -> dict[str, float]:
        self.halt.set()
        self.join()
        n = len(self.samples) or 1
        return {
            "active": sum(a for a, _ in self.samples) / n,
            "waiting for a lock": sum(w for _, w in self.samples) / n,
            "seconds with a lock wait": sum(1 for _, w in self.samples if w) / n,
        }


# --- the run ---------------------------------------------------------------------------------


def run(cmd, env, **kwargs):
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], env=env, check=True, **kwargs)


def wait_up(url: str, proc: subprocess.Popen) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # answering (/healthz says 503: no broker and no daily job in this run)
        except OSError:
            if proc.poll() is not None:
                sys.exit("gunicorn exited")
            time.sleep(0.5)
    sys.exit("gunicorn did not answer")


def flush_cache() -> None:
    subprocess.run(["redis-cli", "-n", str(CACHE_DB), "flushdb"], check=True, capture_output=True)


def locust_priority(pid: int, nice: int) -> int:
    """Run the load generator ahead of the server in the CPU's queue: it shares the server's
    two cores here, where real clients have their own machines. Its figures are the time from
    sending a request to reading the answer; a locust process waiting behind five busy workers
    for a core adds that wait to every figure it reports (measured: the p95 of the whole mix at
    100 users, 270 ms at an equal priority, 140 ms with locust at -10; docs/performance.md,
    "The load generator's own wait"). Lowering a process's nice value needs root
    (CAP_SYS_NICE): without it the run goes on at an equal priority and the report says so."""
    if nice == 0:
        return 0
    try:
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    except PermissionError:
        message = f"could not give locust the priority {nice} (not root): it competes with"
        print(f"{message} the server for the cores, and its figures include that wait")
        return 0
    return nice


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def step(users: int, args, env, locust: Path, web: subprocess.Popen, tag: str = "") -> dict:
    prefix = VAR / f"u{users}{tag}"
    ready = VAR / f"u{users}{tag}.ready"
    ready.unlink(missing_ok=True)
    spawn = max(1, users // 10)
    # The locustfile starts the measured window after the last user's sign-in (a password hash:
    # 0.3 s of CPU each) and ends it args.minutes later; -t only bounds a run that never gets
    # there (every sign-in failing slowly, say).
    bound = int(users / spawn + users * 2 + 60 + args.minutes * 60)
    measure = args.minutes * 60
    env = {**env, "LOAD_READY_FILE": str(ready), "LOAD_MEASURE_SECONDS": str(measure)}
    flush_cache()
    with open(f"{prefix}.log", "w") as log:
        loc = subprocess.Popen(
            [str(locust), "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
             "-u", str(users), "-r", str(spawn), "-t", f"{bound}s",
             "--host", env["LOAD_HOST"], "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "10", "--loglevel", "WARNING"],
            env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    priority = locust_priority(loc.pid, args.locust_nice)
    while not ready.exists():
        if loc.poll() is not None:
            sys.exit(f"locust ended before every user had signed in: see {prefix}.log")
        time.sleep(0.2)
    signed_in = time.monotonic()
    load_before = uptime()
    sampler = CpuSampler({"gunicorn": web.pid, "locust": loc.pid})
    sampler.start()
    db = DbSampler()
    db.start()
    loc.wait()
    cores = sampler.stop()
    backends = db.stop()
    with open(f"{prefix}_stats.csv") as f:
        rows = list(csv.DictReader(f))
    return {"users": users, "rows": rows, "cores": cores, "uptime": [load_before, uptime()],
            "seconds": sampler.seconds, "measured": time.monotonic() - signed_in,
            "backends": backends, "locust_nice": priority}  # fmt: skip


def _aggregated(result: dict) -> dict:
    """Locust's row of the whole mix."""
    return next(r for r in result["rows"] if r["Name"] == "Aggregated")


def _rps(result: dict) -> float:
    return float(_aggregated(result)["Requests/s"])


def report(result: dict) -> str:
    cores = result["cores"]
    server = cores.get("gunicorn", 0) + cores.get("postgres", 0) + cores.get("redis", 0)
    total = _aggregated(result)
    rps = _rps(result)
    lines = [
        f"### {result['users']} users: {rps:.1f} requests/s, {int(total['Failure Count'])} "
        f"failures of {int(total['Request Count'])}; server side {server:.2f} cores → "
        f"{rps / server if server else 0:.1f} requests/s per core",
        "",
        f"locust's priority (nice): {result['locust_nice']}",
        "CPU (cores, average over the measured "
        f"{result['seconds']:.0f} s): " + ", ".join(f"{k} {v:.2f}" for k, v in cores.items()),
        "PostgreSQL backends (average of one sample a second): active "
        f"{result['backends']['active']:.2f}, waiting for a lock "
        f"{result['backends']['waiting for a lock']:.2f} (in "
        f"{result['backends']['seconds with a lock wait']:.0%} of the samples)",
        f"uptime before: {result['uptime'][0]}",
        f"uptime after:  {result['uptime'][1]}",
        "",
        "| page | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    # The sign-in rows are empty: every sign-in happened before the measured window.
    for r in (r for r in result["rows"] if r["Request Count"] != "0"):
        lines.append(
            f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
            f"{float(r['Requests/s']):.2f} | {r['50%']} | {r['95%']} | {r['99%']} | "
            f"{float(r['Max Response Time']):.0f} |"
        )
    return "\n".join(lines)


def saturation_point(light: dict, heavy: dict) -> int:
    """N* = LOW × X(HIGH) / X(LOW): the users whose unqueued demand equals the most the machine
    served (module docstring)."""
    return round(light["users"] * _rps(heavy) / _rps(light))


# The load test's target for every page at the saturation point (issue #15, Part 4).
P95_TARGET_MS = 200
# The machine's cores busy (of two) from which the HIGH step counts as saturated: the runs in
# docs/performance.md saturated at 1.93–1.99.
SATURATED_CORES = 1.9


def knee_report(light: dict, heavy: dict, knee: dict) -> str:
    """The saturation point, how busy the machine was there, and each page's p95 against the
    target."""
    pages = [r for r in knee["rows"] if r["Request Count"] != "0" and r["Name"] != "Aggregated"]
    over = [r for r in pages if float(r["95%"]) > P95_TARGET_MS]
    worst = max(pages, key=lambda r: float(r["95%"]))
    cores = knee["cores"]["machine total"]
    heavy_cores = heavy["cores"]["machine total"]
    warnings = []
    if heavy_cores < SATURATED_CORES:
        warnings.append(
            f"- **The {heavy['users']} users did not saturate the machine** ({heavy_cores:.2f} "
            "cores busy): their requests/s is not the most it serves, so this is not the "
            "saturation point. Run again with more HIGH users."
        )
    if not light["users"] < knee["users"] < heavy["users"]:
        warnings.append(
            "- **N* is not between LOW and HIGH**: LOW was not light or HIGH not saturating."
        )
    lines = [
        f"### The saturation point: {knee['users']} users = {light['users']} × "
        f"{_rps(heavy):.1f} / {_rps(light):.1f} requests/s",
        "",
        f"- At {knee['users']} users: {_rps(knee):.1f} requests/s "
        f"({_rps(knee) / _rps(heavy):.0%} of the {heavy['users']} users' {_rps(heavy):.1f}), "
        f"the machine's cores {cores:.2f} busy.",
        f"- The slowest page's p95: {worst['Type']} {worst['Name']}, {worst['95%']} ms.",
        f"- Pages over {P95_TARGET_MS} ms at p95: "
        + (", ".join(f"{r['Type']} {r['Name']} ({r['95%']} ms)" for r in over) or "none"),
        *warnings,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="make the database (drops it first)")
    parser.add_argument("--children", type=int, default=200_000)
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: the cores + 1)"
    )
    parser.add_argument("--port", type=int, default=18931)
    parser.add_argument(
        "--locust-nice", type=int, default=-10,
        help="locust's nice value, ahead of the server's 0 (0: an equal share of the cores)",
    )  # fmt: skip
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--knee", type=int, nargs=2, metavar=("LOW", "HIGH"),
        help="steps at LOW and HIGH users, then one at the saturation point they give",
    )  # fmt: skip
    args = parser.parse_args()
    if args.knee and not 0 < args.knee[0] < args.knee[1]:
        parser.error("--knee LOW HIGH: 0 < LOW < HIGH")
    env = environment()
    locust = locust_venv()
    bin_ = ROOT / ".venv" / "bin"
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    if args.build:
        run(["dropdb", *pg, "--if-exists", "--force", DB], env)
        run(["createdb", *pg, DB], env)
        started = time.perf_counter()
        run([bin_ / "python", ROOT / "bench/load/build.py", "--children", args.children], env)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    run([bin_ / "weibao", "collectstatic", "--noinput", "-v", "0"], env)
    env["LOAD_HOST"] = f"http://127.0.0.1:{args.port}"
    serve = [bin_ / "weibao", "serve", "--host", "127.0.0.1", "--port", args.port]
    if args.workers:
        serve += ["--workers", args.workers]
    with open(VAR / "web.log", "w") as log:
        web = subprocess.Popen(
            [str(c) for c in serve], env=env, start_new_session=True, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    results, summary = [], ""
    try:
        wait_up(f"{env['LOAD_HOST']}/healthz", web)
        for users in args.knee or args.users:
            result = step(users, args, env, locust, web)
            results.append(result)
            print(report(result), "\n", flush=True)
        if args.knee:
            knee = saturation_point(results[0], results[1])
            result = step(knee, args, env, locust, web, tag="-knee")
            results.append(result)
            summary = knee_report(results[0], results[1], result)
            print(report(result), "\n", summary, "\n", flush=True)
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=60)
        if args.drop:
            run(["dropdb", *pg, "--if-exists", "--force", DB], env)
            flush_cache()
    text = "\n\n".join([*(report(r) for r in results), *([summary] if summary else [])])
    (VAR / "report.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
