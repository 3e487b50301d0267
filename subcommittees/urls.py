from django.urls import path

from subcommittees import views

app_name = "subcommittees"

urlpatterns = [
    path("<slug:slug>/", views.subcommittee_detail, name="subcommittee-detail"),
]
