"""`make bench`'s orchestration (bench/__main__.py): what it keeps, what it refuses, what it writes."""

import pytest

from bench import __main__ as bench_run


def test_each_scale_has_its_own_seed_template_named_after_what_made_it():
    one, small = bench_run.seed_template_name(1), bench_run.seed_template_name(0.01)
    assert one.startswith("mesa_bench_seed_1_") and small.startswith("mesa_bench_seed_0_01_")
    assert one.rsplit("_", 1)[1] == small.rsplit("_", 1)[1]  # the same code, the same fingerprint
    assert bench_run.seed_template_name(1) == one


@pytest.mark.parametrize("argv", [["--scale", "0"], ["--requests", "0"], ["--concurrency", "-1"],
                                  ["--reminders", "-5"]])
def test_the_run_refuses_numbers_that_mean_nothing(argv):
    with pytest.raises(SystemExit):
        bench_run.parse_args(argv)


def test_the_defaults_are_the_country_at_sixteen_clients():
    args = bench_run.parse_args([])
    assert (args.scale, args.concurrency, args.reminders) == (1.0, 16, 100_000)


def test_the_report_says_when_the_seed_was_made_and_what_it_holds():
    report = {"scale": 0.01, "finished_at": "2026-11-27T23:58:56+00:00", "seconds": 12.0,
              "copy_seconds": 0.4, "machine": {"cpus": 2, "python": "3.11.7"},
              "seed": {"seed_seconds": 5.2, "seeded_at": "2026-11-27T23:35:36+00:00",
                       "built_in_this_run": False, "rows": {"tables": 1, "concerns": 5000}}}
    text = bench_run.markdown(report)
    assert "# Mesa benchmark, scale 0.01" in text
    assert "Seeded in 5 s (earlier: 2026-11-27T23:35:36+00:00)" in text
    assert "1 tables, 5,000 concerns" in text
