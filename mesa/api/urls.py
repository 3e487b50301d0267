from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from commitments.api.views import CommitmentViewSet
from concerns.api.views import AnswerViewSet, ConcernViewSet, ReceiptViewSet
from indicators.api.views import IndicatorViewSet
from meetings.api.views import AgreementViewSet, ProposalViewSet, SessionViewSet
from mesa.api import views
from mesa.api.auth import AuthTokenView
from reminders.api.views import InboxViewSet, NotificationPreferencesView
from subcommittees.api.views import SubcommitteeViewSet

router = DefaultRouter()
router.register("tables", views.TableViewSet, basename="table")
router.register("subcommittees", SubcommitteeViewSet, basename="subcommittee")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("concerns", ConcernViewSet, basename="concern")
router.register("answers", AnswerViewSet, basename="answer")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("sessions", SessionViewSet, basename="session")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("inbox", InboxViewSet, basename="inbox-message")

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", AuthTokenView.as_view(), name="api-auth-token"),
    path("notification-preferences/", NotificationPreferencesView.as_view(),
         name="api-notification-preferences"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as its own response (?script=), so
    # the page runs under a Content-Security-Policy without inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="mesa/api/swagger_ui.html"), name="api-docs"),
    # Last: any other address ending in a slash is a JSON 404. Addresses without
    # the slash still get APPEND_SLASH's redirect first.
    re_path(r"^.*/$", views.api_not_found),
]
