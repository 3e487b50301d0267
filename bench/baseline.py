"""The load benchmark's baselines: the least a page or an API answer can cost in this project.

Each reads one row by its primary key (an index scan) and answers it through everything a real
page goes through: every middleware of settings.MIDDLEWARE (sessions, CSRF, authentication, OTP,
language, messages, history, axes), the template engine with its context processors, or DRF
with the project's default authentication and permission classes and JSON renderer. A page's
throughput is reported as a ratio of its baseline's, measured on the same machine in the same
minutes, so the ratio says what the page's own work costs. Mounted only by bench/urls.py.
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView

from mesa.models import Table


@require_safe
def baseline_page(request, pk: int):
    table = get_object_or_404(Table, pk=pk)  # the one query of its own
    return render(request, "bench/baseline.html", {"table": table})


class BaselineTableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Table
        fields = ["id", "slug", "name", "city", "time_zone"]


class BaselineApiView(RetrieveAPIView):
    """The DRF twin: authentication_classes and permission_classes are left to the project's
    REST_FRAMEWORK defaults (token, then session; authenticated or read-only), as the API's
    views leave them."""

    queryset = Table.objects.all()
    serializer_class = BaselineTableSerializer
