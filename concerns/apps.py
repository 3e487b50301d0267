from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _forget_concern_counts(**kwargs) -> None:
    """The kept counts of concern lists (mesa.counts) go stale with any concern, and with
    the institutions a concern is about or asked of (the list filters by them): forgotten
    now, and again at commit so that no count read before it outlives it."""
    from concerns.models import Concern
    from mesa.counts import forget_counts

    forget_counts(Concern)
    transaction.on_commit(lambda: forget_counts(Concern))


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = _("Concerns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from concerns.models import Concern, ConcernAssignment

        for model in (Concern, ConcernAssignment):
            post_save.connect(_forget_concern_counts, sender=model, dispatch_uid=f"counts-{model.__name__}")
            post_delete.connect(_forget_concern_counts, sender=model, dispatch_uid=f"del-{model.__name__}")
        m2m_changed.connect(_forget_concern_counts, sender=Concern.accused_institutions.through,
                            dispatch_uid="counts-accused")
