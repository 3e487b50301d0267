"""A phone's browser against a live Mesa: Debian's Chromium driven by Playwright.

Each test gets a 360×640 touch screen in Spanish, with or without JavaScript, and a live
server on the test's PostgreSQL database. Every step's screenshot is kept under
test-artifacts/browser/<test>/ (CI keeps that folder), and a page that logs a console
error or a refused Content-Security-Policy fails the test that opened it.
"""

import base64
import gzip
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import User
from tests.accounts.factories import current_code

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("MESA_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 640}


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: `make test` installs Debian's package `chromium`.")
    # Playwright's sync API keeps an event loop running in this thread; Django's "no ORM inside
    # an event loop" guard would refuse the tests' own queries, which never run concurrently with
    # it. Allowed while the browser is open (tests/test_project.py keeps it out of `check --deploy`).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@dataclass
class Weight:
    """Bytes a page's first load brought, compressed as a server would send them (gzip -6)."""

    html: int = 0
    css: int = 0
    js: int = 0
    fonts: list = field(default_factory=list)

    @property
    def html_and_css(self) -> int:
        return self.html + self.css


class Phone:
    """One person's phone: a browser context, its page, and the steps' screenshots."""

    def __init__(self, browser, live_server, folder: Path, *, javascript: bool, language: str):
        self.base = live_server.url
        self.javascript = javascript
        self.language = language
        locale = {"es": "es-MX", "en": "en-US"}[language]
        self.context = browser.new_context(
            viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1,
            locale=locale, java_script_enabled=javascript,
            extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"},
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.folder = folder
        self.steps = 0
        self.problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._on_response)

    def _on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _on_response(self, response):
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def shot(self, name: str) -> Path:
        """Screenshot of the whole page as this step left it."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def submit(self, button_name: str):
        """Press a form's button by its visible name and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button_name, exact=True).click()

    def words(self, text: str) -> str:
        """`text` as this phone's person reads it, in their language."""
        with translation.override(self.language):
            return translation.gettext(text)

    def choose_language(self):
        """Use the header's language switcher, as a visitor does (a table may speak another)."""
        self.go(reverse("home"))
        self.page.locator("#language-select").select_option(self.language)
        with self.page.expect_navigation():
            self.page.locator(".language-switcher button").click()

    def sign_in(self, email: str, password: str):
        """The password, then, if the person has an authenticator app, the code it shows."""
        self.go(reverse("accounts:login"))
        self.field(self.words("Email address")).fill(email)
        self.page.get_by_label(self.words("Password"), exact=True).fill(password)
        self.shot("inicio-de-sesion")
        self.submit(self.words("Log in"))
        if self.page.url.split("?")[0].endswith(reverse("accounts:two-factor-verify")):
            # The person's own language from here on, which may not be this phone's.
            device = two_factor.confirmed_device(User.objects.get(email=email))
            self.page.locator("input[name=code]").fill(current_code(device))
            self.shot("codigo-de-verificacion")
            with self.page.expect_navigation():
                self.page.locator("input[name=code]").press("Enter")

    def set_up_two_step(self):
        """Add Mesa to an authenticator app by its setup key, and prove it with a first code."""
        secret = self.page.inner_text("#two-factor-secret").replace(" ", "")
        self.shot("activar-verificacion")
        app = TOTPDevice(key=base64.b32decode(secret + "=" * (-len(secret) % 8)).hex())
        self.field(self.words("Code from your authenticator app")).fill(current_code(app))
        self.submit(self.words("Turn on two-step verification"))

    def field(self, label: str):
        """The form field whose label starts with `label` (a label may end in "(optional)")."""
        return self.page.get_by_label(re.compile(r"^\s*" + re.escape(label))).first

    def click_link(self, name: str):
        """Follow a link of the page's main content (not the header's) by its words."""
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name=name, exact=True).first.click()

    def text(self) -> str:
        return self.page.inner_text("main")

    def weigh(self, path: str) -> Weight:
        """Open `path` afresh (no cache) and add up what came back, by kind."""
        weight = Weight()
        bodies: list = []

        def on_response(response):
            bodies.append(response)

        self.page.on("response", on_response)
        try:
            self.go(path)  # returns once the page and its stylesheets and scripts have loaded
        finally:
            self.page.remove_listener("response", on_response)
        for response in bodies:
            kind = response.request.resource_type
            if response.url.startswith(self.base + "/media/") or "/evidence/" in response.url:
                continue  # uploads are the people's own photos, not the page's weight
            size = len(gzip.compress(response.body(), compresslevel=6)) if response.status < 300 else 0
            if kind == "document":
                weight.html += size
            elif kind == "stylesheet":
                weight.css += size
            elif kind == "script":
                weight.js += size
            elif kind == "font" or re.search(r"\.(woff2?|ttf|otf|eot)(\?|$)", response.url):
                weight.fonts.append(response.url)
        return weight

    def close(self):
        self.context.close()


@pytest.fixture
def phones(chromium, live_server, request):
    """`phones(javascript=True, language="es")` opens a new phone (a second person needs a second phone)."""
    test_folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(test_folder, ignore_errors=True)
    opened: list[Phone] = []

    def open_phone(*, javascript: bool = True, who: str = "", language: str = "es") -> Phone:
        folder = test_folder / who if who else test_folder
        folder.mkdir(parents=True, exist_ok=True)
        phone = Phone(chromium, live_server, folder, javascript=javascript, language=language)
        opened.append(phone)
        return phone

    yield open_phone
    problems = [problem for phone in opened for problem in phone.problems]
    for phone in opened:
        phone.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"No axe-core at {AXE}: `make test` runs `npm ci` in tests/browser.")
    return AXE.read_text()
