from django.urls import path

from meetings import agreement_views, calendar_views, proposal_views, views

app_name = "meetings"

# Mounted at /t/<table_slug>/
urlpatterns = [
    # Sessions (meetings.views)
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/archive/", views.session_archive, name="session-archive"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/reschedule/", views.session_reschedule, name="session-reschedule"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/rsvp/", views.session_rsvp, name="session-rsvp"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/agenda/new/", views.agenda_item_create, name="agenda-item-create"),
    path("sessions/<int:pk>/agenda/publish/", views.agenda_publish, name="agenda-publish"),
    path("sessions/<int:pk>/agenda/<int:item_pk>/edit/", views.agenda_item_edit, name="agenda-item-edit"),
    path("sessions/<int:pk>/agenda/<int:item_pk>/remove/", views.agenda_item_remove,
         name="agenda-item-remove"),
    path("sessions/<int:pk>/agenda/<int:item_pk>/move/", views.agenda_item_move, name="agenda-item-move"),
    path("sessions/<int:pk>/minutes/", views.minutes_edit, name="minutes-edit"),
    path("sessions/<int:pk>/minutes/correct/", views.minutes_correct, name="minutes-correct"),
    path("sessions/<int:pk>/minutes/<int:minutes_pk>/approve/", views.minutes_approve,
         name="minutes-approve"),
    # Calendars (meetings.calendar_views)
    path("sessions/calendar.ics", calendar_views.table_calendar, name="table-calendar"),
    path("sessions/calendar/<slug:subcommittee_slug>.ics", calendar_views.subcommittee_calendar,
         name="subcommittee-calendar"),
    path("sessions/<int:pk>/session.ics", calendar_views.session_ics, name="session-ics"),
    # Agreements (meetings.agreement_views)
    path("sessions/<int:pk>/agreements/new/", agreement_views.agreement_create, name="agreement-create"),
    path("agreements/", agreement_views.agreement_list, name="agreement-list"),
    path("agreements/<int:pk>/", agreement_views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/withdraw/", agreement_views.agreement_withdraw, name="agreement-withdraw"),
    # Proposals (meetings.proposal_views)
    path("proposals/", proposal_views.proposal_list, name="proposal-list"),
    path("proposals/new/", proposal_views.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/", proposal_views.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/edit/", proposal_views.proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/submit/", proposal_views.proposal_submit, name="proposal-submit"),
    path("proposals/<int:pk>/decide/", proposal_views.proposal_decide, name="proposal-decide"),
]
