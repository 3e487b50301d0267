from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/check-your-email/", views.signup_done, name="signup-done"),
    path("verify/resend/", views.verify_resend, name="verify-resend"),
    path("verify/<uidb64>/<token>/", views.verify, name="verify"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/sent/", views.password_reset_done, name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm,
         name="password-reset-confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password-reset-complete"),
    path("password/change/", views.password_change, name="password-change"),
    path("password/change/done/", views.password_change_done, name="password-change-done"),
    path("profile/", views.profile, name="profile"),
    path("two-step/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-step/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("two-step/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("profile/api-token/", views.api_token_create, name="api-token-create"),
    path("profile/api-token/regenerate/", views.api_token_regenerate, name="api-token-regenerate"),
    path("profile/api-token/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("language/", views.set_language, name="set-language"),
]
