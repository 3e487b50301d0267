"""Mesa's benchmarks (`make bench`): bench/__main__.py runs them all; bench/load.py and
bench/reminders.py also run alone."""

import os
import signal

SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL")


def missing_servers() -> list[str]:
    """The server variables the environment lacks (`make bench` sets them)."""
    return [name for name in SERVER_VARIABLES if not os.environ.get(name)]


def stop_on_sigterm() -> None:
    """SIGTERM stops a benchmark as Ctrl-C does: it stops what it started and drops its databases."""

    def on_stop_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_stop_signal)
