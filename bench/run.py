"""`make bench`: the portal under load at realistic scale, against the ceiling of its stack.

    python -m bench.run [--signees 10000] [--scales 1000,100000] [--duration 10] [-c 8]

Needs PostgreSQL (DATABASE_URL: its server is used, with databases of the benchmark's own),
Redis (REDIS_URL), wrk and locust; `make bench` provides all of them. Steps:

1. a migrated template database, then one database per dataset size, built by
   `manage.py bench_dataset` (bulk inserts) and timed;
2. for each size, gunicorn with the production configuration (gunicorn.conf.py, DEBUG off,
   Redis cache) and wrk at a fixed concurrency for a fixed time per endpoint, beside the
   ceiling: a trivial view through the same stack (bench/views.py); auditors' autosave
   through locust on the default size;
3. documents: the bare WeasyPrint floor, signed certificate PDFs, a batch through a real
   Celery worker pool, the annual report of the default dataset;
4. bench/results/latest.json and latest.md (also printed), with the machine they ran on.
"""

import argparse
import csv
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
PORT = 8765
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"

# The targets of the product design (see README, "Benchmarks").
PUBLIC_SHARE = 0.5
VERIFY_SHARE = 0.7
P95_MS = 100.0
SCALING_P95 = 1.5
PDF_MEDIAN_S = 0.5
PDF_FLOOR_FACTOR = 3.0
REPORT_S = 30.0
REPORT_MB = 500.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Databases ---------------------------------------------------------------------------


def database_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def psql(sql: str) -> None:
    """One statement in autocommit on the server's maintenance connection."""
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(sql)


def recreate_database(name: str, template: str | None = None) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


# --- The portal's environment --------------------------------------------------------------


def portal_env(database: str, cache_prefix: str) -> dict[str, str]:
    """Production settings (DEBUG off, Redis cache), on loopback, without TLS."""
    signing = WORK / "signing"
    return {
        **os.environ,
        "DEBUG": "false",
        "CPO_TESTING": "false",
        "CPO_EMBEDDED": "false",
        "CPO_BENCH": "true",
        "SECRET_KEY": BENCH_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(database),
        "CACHE_KEY_PREFIX": cache_prefix,
        "STATIC_ROOT": str(WORK / "static"),
        "MEDIA_ROOT": str(WORK / "media" / database),
        "CERTIFICATE_SIGNING_KEY": str(signing / "key.pem"),
        "CERTIFICATE_SIGNING_CERT": str(signing / "cert.pem"),
        "EMAIL_URL": "dummymail://",
        # The load generator is one client: the per-client limit of verification lookups
        # would answer it with 429s. The limit's cost (two cache operations) stays in.
        "CERTIFICATE_VERIFY_RATE_LIMIT": "100000000",
        "CERTIFICATE_BADGE_RATE_LIMIT": "100000000",
        "API_THROTTLE_ANON": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "PYTHONUNBUFFERED": "1",
    }


BENCH_SECRET = secrets.token_urlsafe(50)


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def last_json_line(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON in: {text[-500:]}")


def signing_key() -> None:
    """A self-signed key pair for the benchmark's PDFs, made with the portal's own code and
    configured as production configures one: a key file and a certificate file."""
    target = WORK / "signing"
    if (target / "cert.pem").exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    code = (
        "from pathlib import Path; from certification.signing import self_signed_path; "
        f"print(self_signed_path(Path({str(target)!r})))"
    )
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"}
    pem = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    text = Path(pem).read_text(encoding="ascii")
    split = text.index("-----BEGIN CERTIFICATE-----")
    (target / "key.pem").write_text(text[:split], encoding="ascii")
    (target / "cert.pem").write_text(text[split:], encoding="ascii")


# --- Processes -------------------------------------------------------------------------------


@contextmanager
def process(command: list[str], env: dict[str, str], log_name: str):
    """A child process in its own group, stopped (SIGTERM, then SIGKILL) on the way out."""
    log_path = WORK / f"{log_name}.log"
    with log_path.open("wb") as out:
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=10)


def wait_for(url: str, child: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"{child.args[0]} exited with {child.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def gunicorn(env: dict[str, str]):
    return process(
        [sys.executable, "-m", "gunicorn", "cpo_portal.wsgi", "-c", "gunicorn.conf.py"],
        env={**env, "WEB_CONCURRENCY": str(WEB_WORKERS)},
        log_name="gunicorn",
    )


WEB_WORKERS = (os.cpu_count() or 1) * 2 + 1  # gunicorn.conf.py's own default


# --- Load --------------------------------------------------------------------------------------


def endpoints(manifest: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(name, kind, paths): kind "verify" for the QR targets, "public" for the rest."""
    slugs = manifest["signee_slugs"]
    numbers = manifest["certificate_numbers"]
    deep = manifest["deep_page"]
    term = manifest["search_term"]
    version = manifest["catalogue_version"]
    return [
        ("home", "public", ["/"]),
        ("/signees/ (first page)", "public", ["/signees/"]),
        (f"/signees/?page={deep} (deep)", "public", [f"/signees/?page={deep}"]),
        (f"/signees/?q={term} (search)", "public", [f"/signees/?q={term}"]),
        ("/signees/<slug>/", "public", [f"/signees/{s}/" for s in slugs]),
        ("/seal/", "public", ["/seal/"]),
        ("/verify/<number>/", "verify", [f"/verify/{n}/" for n in numbers]),
        ("/seal/<number>.svg", "verify", [f"/seal/{n}.svg" for n in numbers]),
        ("/api/v1/signees/", "public", ["/api/v1/signees/"]),
        (f"/criteria/{version}/", "public", [f"/criteria/{version}/"]),
    ]


def wrk(paths: list[str], *, duration: float, connections: int) -> dict[str, Any]:
    paths_file = WORK / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    env = {**os.environ, "BENCH_PATHS": str(paths_file)}
    base = f"http://127.0.0.1:{PORT}"
    # A short warm-up first: connection pools, template caches, the Redis page cache.
    subprocess.run(
        ["wrk", "-t1", f"-c{connections}", "-d2s", "-s", str(WRK_SCRIPT), base],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "-s", str(WRK_SCRIPT), base],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    data = last_json_line(result.stdout)
    data["rps"] = round(data["requests"] / data["seconds"], 1) if data["seconds"] else 0.0
    return data


def autosave(manifest_path: Path, *, duration: float, users: int) -> dict[str, Any]:
    prefix = WORK / "locust"
    env = {**os.environ, "BENCH_MANIFEST": str(manifest_path), "BENCH_USERS": str(users)}
    subprocess.run(
        [
            *(
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
            ),
            *("--headless", "-u", str(users), "-r", str(users), "-t", f"{int(duration) + 5}s"),
            *("--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--only-summary"),
            *("--loglevel", "WARNING", "--exit-code-on-error", "0"),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    with (WORK / "locust_stats.csv").open(encoding="utf-8") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    row = next((r for name, r in rows.items() if "autosave" in name), None)
    if row is None:
        raise RuntimeError(f"locust made no autosave request (see {WORK}/locust_*.csv)")
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def load_run(
    label: str, manifest: dict[str, Any], env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {"endpoints": {}}
    with gunicorn(env) as server:
        wait_for(f"http://127.0.0.1:{PORT}/healthz", server)
        log(f"{label}: ceiling (trivial view)")
        # Workers load lazily: a longer warm-up first, so the ceiling is not measured on a
        # cold server (it is measured again halfway and at the end; the highest is used).
        wrk(["/bench/ceiling"], duration=5, connections=args.concurrency)
        ceiling = wrk(["/bench/ceiling"], duration=args.duration, connections=args.concurrency)
        out["ceiling"] = ceiling
        checks = [ceiling]
        for n, (name, kind, paths) in enumerate(endpoints(manifest)):
            if n == 5:  # and once more halfway: the machine's other tenants come and go
                checks.append(
                    wrk(["/bench/ceiling"], duration=args.duration, connections=args.concurrency)
                )
            log(f"{label}: {name}")
            data = wrk(paths, duration=args.duration, connections=args.concurrency)
            data["kind"] = kind
            data["share_of_ceiling"] = (
                round(data["rps"] / ceiling["rps"], 3) if ceiling["rps"] else 0
            )
            out["endpoints"][name] = data
        if args.autosave:
            log(f"{label}: auditors autosaving (locust, {args.autosave_users} users)")
            data = autosave(
                WORK / f"manifest-{label}.json", duration=args.duration, users=args.autosave_users
            )
            data["share_of_ceiling"] = (
                round(data["rps"] / ceiling["rps"], 3) if ceiling["rps"] else 0
            )
            data["kind"] = "autosave"
            out["endpoints"]["/audit/<id>/scores/<criterion>/ (autosave)"] = data
        log(f"{label}: ceiling again")
        again = wrk(["/bench/ceiling"], duration=args.duration, connections=args.concurrency)
        checks.append(again)
        # The stack's ceiling is what it reached at best; every measurement is kept.
        out["ceiling_measurements"] = [c["rps"] for c in checks]
        out["ceiling"] = ceiling = max(checks, key=lambda c: c["rps"])
        for data in out["endpoints"].values():
            data["share_of_ceiling"] = (
                round(data["rps"] / ceiling["rps"], 3) if ceiling["rps"] else 0
            )
    return out


# --- Datasets -------------------------------------------------------------------------------


def build(label: str, sizes: dict[str, int]) -> tuple[dict[str, Any], dict[str, str]]:
    database = f"cpo_bench_{label}"
    recreate_database(database, template="cpo_bench_template")
    env = portal_env(database, cache_prefix=f"bench-{label}-{int(time.time())}")
    manifest_path = WORK / f"manifest-{label}.json"
    log(f"{label}: building the dataset {sizes}")
    start = time.perf_counter()
    args = [f"--{key}={value}" for key, value in sizes.items()]
    manage(env, "bench_dataset", *args, "--manifest", str(manifest_path))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["build_wall_s"] = round(time.perf_counter() - start, 1)
    return manifest, env


# --- Documents ------------------------------------------------------------------------------


def documents(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    log("documents: bare WeasyPrint floor")
    out["floor"] = last_json_line(
        manage(env, "bench_documents", "floor", "-n", str(args.renders), capture=True)
    )
    log("documents: signed certificate PDFs")
    out["certificate"] = last_json_line(
        manage(env, "bench_documents", "certificate", "-n", str(args.renders), capture=True)
    )
    log(f"documents: {args.batch} certificates through a Celery worker pool")
    worker = [
        *(sys.executable, "-m", "celery", "-A", "cpo_portal", "worker", "-l", "WARNING"),
        *("--concurrency", str(os.cpu_count() or 1), "-n", f"bench-{os.getpid()}@%h"),
    ]
    with process(worker, env, "celery") as child:
        time.sleep(1.0)
        if child.poll() is not None:
            raise RuntimeError("the Celery worker did not start (see var/bench/celery.log)")
        out["batch"] = last_json_line(
            manage(env, "bench_documents", "batch", "-n", str(args.batch), capture=True)
        )
        out["batch"]["worker_processes"] = os.cpu_count() or 1
    log("documents: the annual report of the default dataset")
    out["report"] = last_json_line(manage(env, "bench_documents", "report", capture=True))
    return out


# --- Results ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kb = 0
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "web_workers": WEB_WORKERS,
    }


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    main = results["load"][results["default_label"]]
    rows: list[tuple[str, str, bool]] = []
    for name, data in main["endpoints"].items():
        if data["kind"] == "autosave":
            continue
        share = VERIFY_SHARE if data["kind"] == "verify" else PUBLIC_SHARE
        rows.append(
            (
                f"{name}: ≥ {share:.0%} of ceiling, p95 < {P95_MS:.0f} ms, 0 errors",
                f"{data['share_of_ceiling']:.0%}, p95 {data['p95_ms']:.0f} ms, "
                f"{data['errors']} errors",
                data["share_of_ceiling"] >= share
                and data["p95_ms"] < P95_MS
                and not data["errors"],
            )
        )
    small, large = results.get("scaling_labels", (None, None))
    if small and large:
        for name, data in results["load"][large]["endpoints"].items():
            base = results["load"][small]["endpoints"].get(name)
            if base and data["kind"] != "autosave" and base["p95_ms"]:
                ratio = data["p95_ms"] / base["p95_ms"]
                rows.append(
                    (
                        f"scaling {small}→{large} {name}: p95 × < {SCALING_P95}",
                        f"× {ratio:.2f}",
                        ratio < SCALING_P95,
                    )
                )
    docs = results.get("documents")
    if docs:
        cert, floor = docs["certificate"], docs["floor"]
        rows.append(
            (
                f"certificate PDF median < {PDF_MEDIAN_S} s",
                f"{cert['median_s']:.3f} s",
                cert["median_s"] < PDF_MEDIAN_S,
            )
        )
        factor = cert["median_s"] / floor["median_s"] if floor["median_s"] else 0
        rows.append(
            (
                f"certificate PDF ≤ {PDF_FLOOR_FACTOR:g}× bare WeasyPrint",
                f"× {factor:.1f}",
                factor <= PDF_FLOOR_FACTOR,
            )
        )
        report = docs["report"]
        rows.append(
            (
                f"annual report < {REPORT_S:g} s and < {REPORT_MB:g} MB",
                f"{report['seconds']:.1f} s, {report['peak_rss_mb']:.0f} MB",
                report["seconds"] < REPORT_S and report["peak_rss_mb"] < REPORT_MB,
            )
        )
    return rows


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmark results — {results['finished_at']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; "
        f"Python {m['python']}; {m['postgresql']}. gunicorn: {m['web_workers']} workers × 2 "
        f"threads (gunicorn.conf.py); wrk: {results['params']['concurrency']} connections, "
        f"{results['params']['duration']:g} s per endpoint after a 2 s warm-up.",
        "",
    ]
    for label, run in results["load"].items():
        counts = results["datasets"][label]["counts"]
        lines += [
            f"## Load: {counts['signees']:,} signees, {counts['certificates']:,} certificates"
            f" ({label}; built in {results['datasets'][label]['build_wall_s']:.0f} s)",
            "",
            "| endpoint | req/s | share of ceiling | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
            _row("ceiling: trivial view", run["ceiling"], 1.0),
        ]
        lines += [_row(name, d, d["share_of_ceiling"]) for name, d in run["endpoints"].items()]
        lines.append("")
    docs = results.get("documents")
    if docs:
        lines += [
            "## Documents",
            "",
            "| measurement | result |",
            "|---|---|",
            f"| bare WeasyPrint, one-line page (floor) | median {docs['floor']['median_s']:.3f} s, "
            f"p95 {docs['floor']['p95_s']:.3f} s |",
            f"| certificate PDF with PAdES signature | median "
            f"{docs['certificate']['median_s']:.3f} s, p95 {docs['certificate']['p95_s']:.3f} s |",
            f"| batch through Celery ({docs['batch']['worker_processes']} worker processes) | "
            f"{docs['batch']['documents']} PDFs in {docs['batch']['seconds']:.1f} s "
            f"({docs['batch']['per_second']:.1f}/s) |",
            f"| annual report ({docs['report']['signees']:,} signees) | "
            f"{docs['report']['seconds']:.1f} s, peak {docs['report']['peak_rss_mb']:.0f} MB |",
            "",
        ]
    lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {'yes' if ok else '**no**'} |" for t, v, ok in verdicts(results)]
    return "\n".join(lines) + "\n"


def _row(name: str, d: dict[str, Any], share: float) -> str:
    return (
        f"| {name} | {d['rps']:.0f} | {share:.0%} | {d['p50_ms']:.1f} | {d['p95_ms']:.1f} | "
        f"{d['p99_ms']:.1f} | {d['errors']} |"
    )


# --- Main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signees", type=int, default=10_000, help="the default dataset")
    parser.add_argument("--audits", type=int, default=200)
    parser.add_argument("--criteria", type=int, default=150)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--scales", default="1000,100000", help="signees; empty: no scaling")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per endpoint")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="wrk connections")
    parser.add_argument("--autosave-users", type=int, default=8)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--no-documents", dest="documents", action="store_false")
    parser.add_argument("--no-autosave", dest="autosave", action="store_false")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for variable in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(variable):
            sys.exit(f"{variable} is not set: run `make bench` (it starts PostgreSQL and Redis).")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing (apt install wrk; `make bench` installs it).")
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    signing_key()
    log("template database: migrate and collect static files")
    recreate_database("cpo_bench_template")
    template_env = portal_env("cpo_bench_template", cache_prefix="bench-template")
    manage(template_env, "migrate", "--no-input", "-v0")
    manage(template_env, "collectstatic", "--no-input", "-v0")

    default_label = f"{args.signees // 1000}k" if args.signees >= 1000 else str(args.signees)
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "default_label": default_label,
        "datasets": {},
        "load": {},
    }
    manifest, env = build(
        default_label,
        {
            "signees": args.signees,
            "audits": args.audits,
            "criteria": args.criteria,
            "years": args.years,
        },
    )
    results["datasets"][default_label] = manifest
    results["load"][default_label] = load_run(default_label, manifest, env, args)
    if args.documents:
        results["documents"] = documents(env, args)
    recreate_database(f"cpo_bench_{default_label}")  # free the disk

    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    labels = []
    for signees in scales:
        label = f"{signees // 1000}k" if signees >= 1000 else str(signees)
        # Public pages depend on signees and certificates; audits and years stay small.
        manifest, env = build(label, {"signees": signees, "audits": 5, "criteria": 30, "years": 1})
        results["datasets"][label] = manifest
        quick = argparse.Namespace(**{**vars(args), "autosave": False})
        results["load"][label] = load_run(label, manifest, env, quick)
        psql(f'DROP DATABASE IF EXISTS "cpo_bench_{label}" WITH (FORCE)')
        labels.append(label)
    if len(labels) >= 2:
        results["scaling_labels"] = (labels[0], labels[-1])
    psql('DROP DATABASE IF EXISTS "cpo_bench_template" WITH (FORCE)')

    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["wall_s"] = round(time.perf_counter() - started, 1)
    results["targets"] = [{"target": t, "measured": v, "met": ok} for t, v, ok in verdicts(results)]
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    summary = markdown(results) + f"\nWhole run: {results['wall_s'] / 60:.1f} min.\n"
    (args.output / "latest.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
