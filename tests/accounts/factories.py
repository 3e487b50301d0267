import factory
from django.utils import timezone

from accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="es_MX")
    language = "es"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()



def authenticator(user):
    """The person's confirmed TOTP device; one is made for them if their role requires two-step
    verification and they have none (as they would have set it up), else None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import two_factor

    fresh = User.objects.get(pk=user.pk)  # no permissions cached from before a change of role
    device = two_factor.confirmed_device(fresh)
    if device is None and two_factor.needs_two_factor(fresh):
        device = TOTPDevice.objects.create(user=fresh, name=two_factor.DEVICE_NAME, confirmed=True)
    return device


def code_at(device, steps: int = 0) -> str:
    """The code an authenticator app shows for `device`, `steps` time steps from now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps * device.step
    return f"{totp.token():06d}"


def current_code(device) -> str:
    return code_at(device)


def api_token(user) -> str:
    """The API token `user` holds, as the API issues it: someone who must use two-step
    verification has set it up first (mesa.api.authentication refuses their token otherwise)."""
    from rest_framework.authtoken.models import Token

    authenticator(user)
    return Token.objects.get_or_create(user_id=user.pk)[0].key
