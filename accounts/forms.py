"""Forms check the shape of input; accounts.services does the writing."""

from django import forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
    SetPasswordMixin,
    UserChangeForm,
)
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Language, User

validate_phone = RegexValidator(
    r"^\+?[0-9][0-9 ().\-]{5,30}$",
    _("Enter a phone number with digits only, optionally starting with + and the country code."),
    code="invalid_phone",
)


def _email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


def _normalised_email(value: str) -> str:
    return User.objects.normalize_email(value.strip()).lower()


def _current_language() -> str:
    language = (get_language() or "").split("-")[0]
    return language if language in Language.values else Language.SPANISH


class SignupForm(SetPasswordMixin, forms.Form):
    """Deliberately not a ModelForm: its unique check would tell who has an account."""

    email = _email_field(
        help_text=_(
            "We send a link to this address to confirm it. Nobody else at a table sees it."
        ),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=User._meta.get_field("display_name").max_length,
        help_text=User._meta.get_field("display_name").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        widget=forms.RadioSelect,
        help_text=_("Pages and email are shown in this language."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=User._meta.get_field("phone").max_length,
        validators=[validate_phone],
        help_text=_("A number where the secretariat of your tables can reach you."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = _current_language()

    def clean_email(self) -> str:
        return _normalised_email(self.cleaned_data["email"])

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name other participants will see."))
        return name

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # The similarity validator compares the password with what the person typed.
        candidate = User(
            email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
        )
        self.validate_password_for_user(candidate)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, with the username field asking for the email address.

    The field keeps the name "username": django-axes reads it (AXES_USERNAME_FORM_FIELD).
    """

    username = forms.CharField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        # One spelling per address, so failed attempts count once whatever the case.
        return _normalised_email(self.cleaned_data["username"])


class VerificationResendForm(forms.Form):
    email = _email_field()

    def clean_email(self) -> str:
        return _normalised_email(self.cleaned_data["email"])


class ProfileForm(forms.ModelForm):
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=User._meta.get_field("phone").max_length,
        validators=[validate_phone],
        help_text=_("A number where the secretariat of your tables can reach you."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = User
        fields = ["display_name", "language", "phone"]
        labels = {"display_name": _("Display name"), "language": _("Preferred language")}
        help_texts = {"language": _("Pages and email are shown in this language.")}
        widgets = {
            "language": forms.RadioSelect,
            "display_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
        }

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name other participants will see."))
        return name


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form; the mail goes out from a task, in the account's own language."""

    email = _email_field()

    def save(self, **kwargs) -> None:  # the view passes Django's mail options: unused
        services.password_reset_request(email=self.cleaned_data["email"])


class PasswordResetSetForm(SetPasswordForm):
    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if commit:
            services.password_reset_complete(user=user)
        return user


# --- Admin -------------------------------------------------------------------------


class AdminUserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "language")


class AdminUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}



# --- Two-step verification ------------------------------------------------------------


class TwoFactorCodeForm(forms.Form):
    """The six digits an authenticator app shows (spaces, as some apps group them, allowed)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        help_text=_("Six digits. A new code appears every 30 seconds."),
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
            "spellcheck": "false", "autocapitalize": "off",
        }),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) not in (6, 8):
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))
        return code
