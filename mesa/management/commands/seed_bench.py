"""Load synthetic bench data at scale into an empty, migrated database (bench/seed.py says how)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from bench import seed as bench_seed


class Command(BaseCommand):
    help = ("Generate realistic synthetic data fast (COPY) into an empty, migrated database: at --scale 1, "
            "100 tables, 200,000 users, 500,000 concerns, 2,000,000 supports, 20,000 sessions, "
            "100,000 commitments ...")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help=(
            "Multiplies every count (0.01 gives 1 table, 2,000 users, 5,000 concerns ...)."))
        parser.add_argument("--seed", type=int, default=1,
                            help="The same seed gives the same data (default 1).")
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="The day the data is relative to (YYYY-MM-DD; default: today, UTC).")

    def handle(self, *args, scale: float, seed: int, today: date | None, **options):
        if not 0 < scale <= 100:
            raise CommandError("--scale must be above 0 and at most 100.")
        counts = bench_seed.scaled_counts(scale)
        self.stdout.write("seed_bench: scale {} (seed {}): {}".format(
            scale, seed, ", ".join(f"{value:,} {key}" for key, value in counts.items())))
        try:
            report = bench_seed.seed(scale=scale, seed=seed, today=today,
                                     log=lambda message: self.stdout.write(f"  {message}"))
        except bench_seed.BenchExists as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Steps:")
        for name, seconds, rows in report.steps:
            self.stdout.write(f"  {seconds:8.1f} s  {rows:>12,}  {name}")
        self.stdout.write(self.style.SUCCESS(f"Total: {report.total_seconds:.1f} s"))
        self.stdout.write("Rows:")
        for label, count in report.counts.items():
            self.stdout.write(f"  {count:>12,}  {label}")
        self.stdout.write(f"Sign in as {bench_seed.MEMBER_EMAIL} (a citizen of {bench_seed.table_slug(1)}), "
                          f"or as {', '.join(bench_seed.ROLE_EMAILS.values())}, with the password "
                          f"{bench_seed.BENCH_PASSWORD}.")
        if report.receipt_codes:
            self.stdout.write(f"Receipt codes of anonymous concerns of {bench_seed.table_slug(1)}: "
                              + ", ".join(report.receipt_codes))
