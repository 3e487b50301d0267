from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import signals

        from accounts import login_events

        # The sign-in record (accounts.login_events); dispatch_uid keeps one receiver each.
        signals.user_logged_in.connect(login_events.on_user_logged_in, dispatch_uid="mesa-login-event-in")
        signals.user_login_failed.connect(login_events.on_user_login_failed,
                                          dispatch_uid="mesa-login-event-failed")
        signals.user_logged_out.connect(login_events.on_user_logged_out,
                                        dispatch_uid="mesa-login-event-out")
        user_locked_out.connect(login_events.on_user_locked_out, dispatch_uid="mesa-login-event-locked")
