from django.apps import AppConfig


class BenchConfig(AppConfig):
    """`make bench`: the dataset command, the ceiling view (mounted only with CPO_BENCH) and
    the runner (bench/run.py) that loads the portal and writes bench/results/."""

    name = "bench"
    verbose_name = "Benchmarks"
