from django.urls import path

from mesa import secretariat_views, views

app_name = "mesa"

urlpatterns = [
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("<slug:slug>/", views.table_detail, name="table-detail"),
    path("<slug:slug>/join/", views.table_join, name="table-join"),
    path("<slug:slug>/leave/", views.table_leave, name="table-leave"),
    # The secretariat's pages (members are also listed, read-only, to members).
    path("<slug:slug>/settings/", secretariat_views.table_settings, name="table-settings"),
    path("<slug:slug>/members/", secretariat_views.member_list, name="member-list"),
    path("<slug:slug>/members/invite/", secretariat_views.member_invite, name="member-invite"),
    path("<slug:slug>/members/<int:pk>/", secretariat_views.member_detail, name="member-detail"),
    path("<slug:slug>/members/<int:pk>/role/", secretariat_views.member_role, name="member-role"),
    path("<slug:slug>/members/<int:pk>/verify/", secretariat_views.member_verify, name="member-verify"),
    path("<slug:slug>/members/<int:pk>/refuse/", secretariat_views.member_refuse, name="member-refuse"),
    path("<slug:slug>/members/<int:pk>/remove/", secretariat_views.member_remove, name="member-remove"),
    path("<slug:slug>/institutions/", secretariat_views.institution_list, name="institution-list"),
    path("<slug:slug>/institutions/new/", secretariat_views.institution_create, name="institution-create"),
    path("<slug:slug>/institutions/<int:pk>/edit/", secretariat_views.institution_edit,
         name="institution-edit"),
    path("<slug:slug>/organisations/new/", secretariat_views.organisation_create,
         name="organisation-create"),
    path("<slug:slug>/organisations/<int:pk>/edit/", secretariat_views.organisation_edit,
         name="organisation-edit"),
]
