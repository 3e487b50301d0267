"""The settings gunicorn runs under in the load benchmark (bench/load.py): the product's, from the
same environment, with one difference: the URLs also answer the baseline's two addresses
(bench/urls.py), which the product's urlconf never has."""

from mesa.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
