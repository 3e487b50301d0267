from django.contrib import admin
from django.urls import include, path

from mesa import views
from mesa.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("t/", include("mesa.table_urls")),
    path("t/<slug:table_slug>/subcommittees/", include("subcommittees.urls")),
    path("t/<slug:table_slug>/concerns/", include("concerns.urls")),
    path("receipt/", include("concerns.receipt_urls")),
    path("api/v1/", include("mesa.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "mesa.views.permission_denied"
handler404 = "mesa.views.page_not_found"
