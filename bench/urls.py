"""The product's URLs plus the load benchmark's baselines (bench/baseline.py), only under
bench.settings. The baselines come first: the API's catch-all 404 would answer their address."""

from django.urls import path

from bench import baseline
from mesa.urls import handler403, handler404  # noqa: F401 - the product's error pages, here too
from mesa.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/baseline/<int:pk>/", baseline.baseline_page, name="bench-baseline"),
    path("api/v1/bench/baseline/<int:pk>/", baseline.BaselineApiView.as_view(), name="bench-baseline-api"),
    *product_urlpatterns,
]
