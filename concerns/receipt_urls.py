from django.urls import path

from concerns import views

app_name = "receipt"

# Mounted at /receipt/: the anonymous reporter's follow-up. The code travels
# only in POST bodies, never in an address (addresses end up in logs and history).
urlpatterns = [
    path("", views.receipt_follow_up, name="follow-up"),
]
