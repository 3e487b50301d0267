from django.urls import path

from commitments import dashboard_views, open_data_views, views

app_name = "commitments"

# Mounted at /t/<table_slug>/
urlpatterns = [
    # Commitments and action updates (commitments.views)
    path("commitments/", views.commitment_list, name="list"),
    path("agreements/<int:agreement_pk>/commitments/new/", views.commitment_create, name="create"),
    path("commitments/<int:pk>/", views.commitment_detail, name="detail"),
    path("commitments/<int:pk>/edit/", views.commitment_edit, name="edit"),
    path("commitments/<int:pk>/due-date/", views.commitment_move_due_date, name="move-due-date"),
    path("commitments/<int:pk>/status/", views.commitment_set_status, name="set-status"),
    path("commitments/<int:pk>/follow/", views.commitment_follow, name="follow"),
    path("commitments/<int:pk>/review/", views.delivery_review, name="review"),
    path("commitments/<int:pk>/updates/new/", views.update_create, name="update-create"),
    path("commitments/<int:pk>/updates/<int:update_pk>/comment/", views.update_comment,
         name="update-comment"),
    path("commitments/evidence/<int:pk>/", views.evidence_file, name="evidence-file"),
    # The accountability dashboard (commitments.dashboard_views)
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard.csv", dashboard_views.dashboard_csv, name="dashboard-csv"),
    # Open data (commitments.open_data_views)
    path("open-data/", open_data_views.open_data, name="open-data"),
    path("open-data/commitments.<str:fmt>", open_data_views.open_data_file, name="open-data-file"),
]
