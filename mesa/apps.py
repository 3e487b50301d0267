from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _forget_membership_counts(**kwargs) -> None:
    """Kept member counts (mesa.counts) go stale with any membership: forgotten now, and
    again at commit so that no count read before it outlives it."""
    from mesa.counts import forget_counts
    from mesa.models import Membership

    forget_counts(Membership)
    transaction.on_commit(lambda: forget_counts(Membership))


class MesaConfig(AppConfig):
    name = "mesa"
    verbose_name = _("Security dialogue tables")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from mesa.models import Membership

        post_save.connect(_forget_membership_counts, sender=Membership, dispatch_uid="counts-membership")
        post_delete.connect(_forget_membership_counts, sender=Membership, dispatch_uid="del-membership")
