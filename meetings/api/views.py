"""The sessions, agreements and proposals API (placeholder until built)."""

from rest_framework import viewsets

from meetings.models import Agreement, Proposal, Session


class SessionViewSet(viewsets.GenericViewSet):
    queryset = Session.objects.none()


class AgreementViewSet(viewsets.GenericViewSet):
    queryset = Agreement.objects.none()


class ProposalViewSet(viewsets.GenericViewSet):
    queryset = Proposal.objects.none()
