from django.urls import path

from subcommittees import views

app_name = "subcommittees"

urlpatterns = [
    path("", views.subcommittee_list, name="subcommittee-list"),
    path("new/", views.subcommittee_create, name="subcommittee-create"),
    path("<slug:slug>/", views.subcommittee_detail, name="subcommittee-detail"),
    path("<slug:slug>/edit/", views.subcommittee_edit, name="subcommittee-edit"),
    path("<slug:slug>/archive/", views.subcommittee_archive, name="subcommittee-archive"),
    path("<slug:slug>/unarchive/", views.subcommittee_unarchive, name="subcommittee-unarchive"),
    path("<slug:slug>/coordinators/", views.subcommittee_coordinators,
         name="subcommittee-coordinators"),
]
