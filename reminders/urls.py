from django.urls import path

from reminders import views

app_name = "reminders"

# Mounted at the site's root: the inbox is a person's, the log a table's.
urlpatterns = [
    path("inbox/", views.inbox_list, name="inbox-list"),
    path("inbox/preferences/", views.preferences, name="preferences"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", views.inbox_detail, name="inbox-detail"),
    path("t/<slug:table_slug>/reminders/", views.reminder_list, name="reminder-list"),
    path("t/<slug:table_slug>/reminders/retry/", views.reminder_retry, name="reminder-retry"),
]
