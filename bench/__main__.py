"""`make bench`: can one 2-core machine serve every security table of a country? (issue 9)

    python -m bench [--scale 1] [--reminders 100000] [--requests 100] [--concurrency 16]

1. Seed. A template database of the country-size data set (`manage.py seed_bench --scale S`),
   built once per scale and per version of the migrations and the seeding code (its name
   carries their fingerprint, bench/databases.py), from a copy of the migrated template. The
   seeding time and the row counts are kept with it (as its comment) and reported on every
   run; `--reseed` builds it again.
2. Load. A copy of the seed (`CREATE DATABASE ... TEMPLATE`, so every run starts from the same
   data) served by gunicorn with production settings and measured by bench/load.py.
3. Reminders. bench/reminders.py's run: plan and send `--reminders` reminders through a real
   worker, in a database of its own.
4. Report. A Markdown table, printed and written to bench/results/latest.md, and the figures
   as JSON (bench/results/latest.json), so that results compare over time.

DATABASE_URL and REDIS_URL name the servers (`make bench` sets them); the benchmark touches only
databases whose names start with mesa_bench and its own Redis databases.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import databases, missing_servers, stop_on_sigterm

RESULTS_DIR = databases.ROOT / "bench" / "results"
RUN_DATABASE = "mesa_bench_run"
LOAD_REDIS_DB = 13  # the served site's cache and broker; the reminders run uses 14
SEED_PREFIX = "mesa_bench_seed_"
# What the seed is made of, besides the migrations: a change to any rebuilds it.
SEED_CODE = ["bench/seed.py", "mesa/management/commands/seed_bench.py"]
COUNTED = {  # rows reported with the seed, by model
    "tables": "mesa_table", "users": "accounts_user", "institutions": "mesa_institution",
    "concerns": "concerns_concern", "supports": "concerns_support", "sessions": "meetings_session",
    "agreements": "meetings_agreement", "commitments": "commitments_commitment",
    "action updates": "commitments_actionupdate", "indicators": "indicators_indicator",
    "observations": "indicators_observation",
}


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_").replace("-", "_")


def seed_template_name(scale: float) -> str:
    files = [*databases.migration_files(), *(databases.ROOT / name for name in SEED_CODE)]
    return f"{SEED_PREFIX}{scale_tag(scale)}_{databases.fingerprint(files)}"


def row_counts(database_url: str) -> dict[str, int]:
    from psycopg import sql

    with databases.connect(database_url) as connection:
        return {label: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                .fetchone()[0] for label, table in COUNTED.items()}


def ensure_seed(server_url: str, scale: float, *, reseed: bool) -> tuple[str, dict]:
    """The seed template's name and what its building took (built now if missing or `reseed`)."""
    name = seed_template_name(scale)
    migrated = databases.ensure_migrated_template(server_url)
    if reseed:
        with databases.server(server_url) as server:
            databases.drop(server, name)

    def build(url: str) -> None:
        say(f"seeding at scale {scale:g} into {name} (kept as a template for the next runs)")
        started = time.monotonic()
        databases.manage(url, "seed_bench", "--scale", f"{scale:g}")
        seconds = time.monotonic() - started
        facts = {"scale": scale, "seed_seconds": round(seconds, 1),
                 "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": row_counts(url)}
        with databases.server(server_url) as server:
            databases.set_comment(server, databases.database_name(url), json.dumps(facts))

    built = databases.ensure_template(server_url, name, build, start_from=migrated,
                                      stale_prefix=f"{SEED_PREFIX}{scale_tag(scale)}_")
    with databases.server(server_url) as server:
        facts = json.loads(databases.comment(server, name) or "{}")
    facts["built_in_this_run"] = built
    return name, facts


def markdown(report: dict) -> str:
    from bench import load
    from bench import reminders as reminders_bench

    seed = report["seed"]
    when = "in this run" if seed.get("built_in_this_run") else f"earlier: {seed.get('seeded_at', '?')}"
    rows = ", ".join(f"{count:,} {label}" for label, count in seed.get("rows", {}).items())
    lines = [
        f"# Mesa benchmark, scale {report['scale']:g} ({report['finished_at']})",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}. "
        f"Total time {report['seconds']:.0f} s.",
        "",
        "## Data",
        "",
        f"Seeded in {seed.get('seed_seconds', 0):.0f} s ({when}); "
        f"copied for this run in {report['copy_seconds']:.1f} s. Rows: {rows}.",
        "",
    ]
    if report.get("load"):
        lines += ["## Pages under load", "", load.markdown(report["load"]), ""]
    if report.get("reminders"):
        lines += ["## Reminders", "", "```", reminders_bench.summary(report["reminders"]), "```", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict:
    import redis

    from bench import load
    from bench import reminders as reminders_bench

    server_url = os.environ["DATABASE_URL"]
    redis_url = reminders_bench.with_redis_db(os.environ["REDIS_URL"], LOAD_REDIS_DB)
    redis.Redis.from_url(redis_url).flushdb()  # no throttle counter or cached page of an earlier run
    started = time.monotonic()
    seed_name, seed = ensure_seed(server_url, args.scale, reseed=args.reseed)
    say(f"seed: {seed_name} ({seed.get('seed_seconds')} s to seed)")
    report = {"benchmark": "mesa (issue 9)", "scale": args.scale, "seed": seed,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}

    run_url = databases.with_database(server_url, RUN_DATABASE)
    with databases.server(server_url) as server:
        databases.drop(server, RUN_DATABASE)
        copy_started = time.monotonic()
        databases.create(server, RUN_DATABASE, template=seed_name)
        report["copy_seconds"] = round(time.monotonic() - copy_started, 2)
    try:
        if not args.skip_load:
            with tempfile.TemporaryDirectory(prefix="mesa-bench-load-") as work_dir:
                report["load"] = load.run_load(
                    database_url=run_url, redis_url=redis_url, work_dir=Path(work_dir),
                    requests_per_run=args.requests, concurrency=args.concurrency, pairs=args.pairs)
    finally:
        with databases.server(server_url) as server:
            databases.drop(server, RUN_DATABASE)

    if args.reminders:
        with tempfile.TemporaryDirectory(prefix="mesa-bench-reminders-") as work_dir:
            report_path = Path(work_dir) / "reminders.json"
            subprocess.run([sys.executable, "-m", "bench.reminders", "--reminders", str(args.reminders),
                            "--members", str(min(args.reminders, 2000)), "--report", str(report_path)],
                           cwd=databases.ROOT, check=True)
            report["reminders"] = json.loads(report_path.read_text())
    report["seconds"] = round(time.monotonic() - started, 1)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the country (100 tables)")
    parser.add_argument("--requests", type=int, default=200, help="requests per measured run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=3, help="baseline/page pairs per page")
    parser.add_argument("--reminders", type=int, default=100_000, help="0 skips the reminders run")
    parser.add_argument("--reseed", action="store_true", help="seed again even if a seed is kept")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.requests < 1 or args.concurrency < 1 or args.pairs < 1 or args.reminders < 0:
        parser.error("--scale, --requests, --concurrency and --pairs must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if missing := missing_servers():
        say(f"{' and '.join(missing)} must be set (make bench sets them)")
        return 2
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    stop_on_sigterm()
    try:
        report = run(args)
    except KeyboardInterrupt:
        say("interrupted; everything it started is stopped and its run database dropped")
        return 130
    args.results.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (args.results / "latest.md").write_text(text + "\n")
    (args.results / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(text, flush=True)
    say(f"results: {args.results / 'latest.md'} and latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
