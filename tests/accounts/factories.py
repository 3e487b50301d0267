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


def api_token(user) -> str:
    """The API token `user` holds, as the API issues it: someone who must use two-step
    verification has set it up first (mesa.api.authentication refuses their token otherwise)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    from accounts import two_factor

    fresh = User.objects.get(pk=user.pk)  # no permissions cached from before a change of role
    if two_factor.needs_two_factor(fresh) and not two_factor.has_confirmed_device(fresh):
        TOTPDevice.objects.create(user=fresh, name="authenticator", confirmed=True)
    return Token.objects.get_or_create(user=fresh)[0].key
