import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(
        email="root@example.org", password="root password for tests", display_name="Root"
    )


def test_user_changelist_loads_for_a_superuser(client, superuser):
    UserFactory(email="ana@example.org", display_name="Ana", email_verified_at=None)
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assertContains(response, "ana@example.org")
    assertContains(response, "root@example.org")
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "ana"})
    assertContains(response, "ana@example.org")
    assert "root@example.org" not in response.content.decode()


def test_user_change_page_loads(client, superuser):
    person = UserFactory()
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assertContains(response, person.email)
    assertContains(response, 'name="display_name"')


def test_adding_a_user_in_the_admin_sets_the_password(client, superuser):
    client.force_login(superuser)
    assertContains(client.get(reverse("admin:accounts_user_add")), 'name="password1"')
    response = client.post(reverse("admin:accounts_user_add"), {
        "email": "New.Person@Example.org",
        "display_name": "New person",
        "language": "en",
        "usable_password": "true",
        "password1": "a long admin chosen passphrase",
        "password2": "a long admin chosen passphrase",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(email="new.person@example.org")
    assert person.check_password("a long admin chosen passphrase")


def test_the_admin_refuses_a_duplicate_address_in_another_case(client, superuser):
    UserFactory(email="ana@example.org")
    client.force_login(superuser)
    response = client.post(reverse("admin:accounts_user_add"), {
        "email": "ANA@example.org",
        "display_name": "Ana again",
        "language": "es",
        "usable_password": "true",
        "password1": "a long admin chosen passphrase",
        "password2": "a long admin chosen passphrase",
    })
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1


def test_people_without_staff_status_cannot_open_the_user_admin(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_never_shows_the_secret_of_someones_authenticator(client, superuser):
    person = UserFactory()
    device = TOTPDevice.objects.create(user=person, name="authenticator", confirmed=True)
    client.force_login(superuser)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200 and "qrcode" not in listing.content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk])).status_code == 403
