from django.urls import path

from concerns import evidence_views, triage_views, views

app_name = "concerns"

# Mounted at /t/<table_slug>/concerns/
urlpatterns = [
    path("", views.concern_list, name="concern-list"),
    path("new/", views.concern_create, name="concern-create"),
    path("<int:pk>/", views.concern_detail, name="concern-detail"),
    path("<int:pk>/support/", views.concern_support, name="concern-support"),
    path("<int:pk>/follow/", views.concern_follow, name="concern-follow"),
    path("<int:pk>/reply/", views.concern_reply, name="concern-reply"),
    path("<int:pk>/confirm/", views.concern_confirm, name="concern-confirm"),
    path("<int:pk>/reopen/", views.concern_reopen, name="concern-reopen"),
    path("<int:pk>/consent/", views.concern_consent, name="concern-consent"),
    # Coordinators and the secretariat; officials answer.
    path("triage/", triage_views.triage, name="triage"),
    path("<int:pk>/status/", triage_views.concern_status, name="concern-status"),
    path("<int:pk>/reroute/", triage_views.concern_reroute, name="concern-reroute"),
    path("<int:pk>/assign/", triage_views.concern_assign, name="concern-assign"),
    path("<int:pk>/duplicate/", triage_views.concern_duplicate, name="concern-duplicate"),
    path("<int:pk>/hide/", triage_views.concern_hide, name="concern-hide"),
    path("<int:pk>/unhide/", triage_views.concern_unhide, name="concern-unhide"),
    path("<int:pk>/evidence/<int:evidence_pk>/hide/", triage_views.evidence_hide,
         name="evidence-hide"),
    path("<int:pk>/evidence/<int:evidence_pk>/unhide/", triage_views.evidence_unhide,
         name="evidence-unhide"),
    path("<int:pk>/replies/<int:reply_pk>/hide/", triage_views.reply_hide, name="reply-hide"),
    path("<int:pk>/replies/<int:reply_pk>/unhide/", triage_views.reply_unhide, name="reply-unhide"),
    path("<int:pk>/answer/", triage_views.concern_answer, name="concern-answer"),
    path("answers/<int:answer_pk>/rate/", triage_views.answer_rate, name="answer-rate"),
    path("colonias/", triage_views.colonia_list, name="colonia-list"),
    # Evidence files, only through a permission check (never a public media URL).
    path("<int:pk>/evidence/<int:evidence_pk>/", evidence_views.evidence_file, name="evidence-file"),
]
