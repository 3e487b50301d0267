from django.contrib import admin
from django.urls import include, path

from meetings import calendar_views
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
    path("t/<slug:table_slug>/", include("meetings.urls")),
    path("t/<slug:table_slug>/", include("commitments.urls")),
    path("t/<slug:table_slug>/indicators/", include("indicators.urls")),
    path("", include("reminders.urls")),
    path("calendar/", calendar_views.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", calendar_views.personal_calendar, name="calendar-personal"),
    path("receipt/", include("concerns.receipt_urls")),
    path("api/v1/", include("mesa.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "mesa.views.permission_denied"
handler404 = "mesa.views.page_not_found"
