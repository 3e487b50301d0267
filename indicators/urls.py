from django.urls import path

from indicators import import_views, views

app_name = "indicators"

# Mounted at /t/<table_slug>/indicators/
urlpatterns = [
    path("", views.overview, name="overview"),
    path("justice-chain/", views.justice_chain, name="justice-chain"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("new/", views.indicator_create, name="create"),
    # Import of observations (indicators.import_views): upload and preview, then confirm.
    path("import/", import_views.import_upload, name="import"),
    path("import/confirm/", import_views.import_confirm, name="import-confirm"),
    path("<slug:code>/", views.indicator_detail, name="detail"),
    path("<slug:code>/edit/", views.indicator_edit, name="edit"),
    path("<slug:code>/targets/", views.target_set, name="target-set"),
    path("<slug:code>/observations/new/", views.observation_create, name="observation-create"),
    path("<slug:code>/observations/<int:pk>/correct/", views.observation_correct,
         name="observation-correct"),
    path("<slug:code>/export.<str:fmt>", import_views.export_series, name="export"),
]
