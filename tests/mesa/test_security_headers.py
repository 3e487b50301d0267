"""Hardening: the Content-Security-Policy (no inline script or style anywhere), and `check --deploy`,
the cookies and HSTS of the production settings (DJANGO_DEBUG=0; tests/test_project.py runs
`check --deploy` without the proxy too)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory
from tests.test_project import TEST_ONLY_VARIABLES

ROOT = Path(__file__).resolve().parent.parent.parent
ONE_YEAR = 365 * 24 * 60 * 60


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_strict_policy(response) -> None:
    directives = policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


# --- The policy on responses -------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_carries_the_policy_without_unsafe_inline(client, table):
    assert_strict_policy(client.get(reverse("home")))
    assert_strict_policy(client.get(reverse("table-detail", kwargs={"slug": table.slug})))


@pytest.mark.django_db
def test_an_api_response_carries_the_policy(api, table):
    response = api.get("/api/v1/tables/")
    assert response.status_code == 200
    assert_strict_policy(response)


@pytest.mark.django_db
def test_an_error_page_carries_the_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_policy(response)


@pytest.mark.django_db
def test_the_api_docs_run_under_the_policy_with_their_script_as_a_file(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_strict_policy(response)
    html = response.content.decode()
    assert not inline_code(html), inline_code(html)
    # Swagger UI's start-up script is a response of its own, from our origin ('self').
    scripts = re.findall(r'<script src="([^"]+)"', html)
    start_up = [src for src in scripts if "script=" in src]
    assert len(start_up) == 1
    script = api.get(start_up[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/api/v1/schema/" in script.content.decode()


# --- No inline code in templates ---------------------------------------------------------

# What the policy blocks: <style> blocks, style="" attributes (HTML and SVG), on*= handlers inside
# a tag, javascript: addresses, and <script> with a body. A <script> that only holds data
# (type="application/json", as Django's json_script writes) never runs, so the policy allows it.
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
HANDLER_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
DATA_SCRIPT_TYPE = re.compile(r"""\stype\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)
# Django comments may describe what a template leaves out; they never reach the page.
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)


def inline_code(text: str) -> list[str]:
    """What in this markup the Content-Security-Policy would block, by kind."""
    text = COMMENT.sub("", text)
    found = []
    if STYLE_BLOCK.search(text):
        found.append("<style> block")
    if STYLE_ATTRIBUTE.search(text):
        found.append("style attribute")
    if HANDLER_ATTRIBUTE.search(text):
        found.append("on*= handler attribute")
    if JAVASCRIPT_URL.search(text):
        found.append("javascript: address")
    for attributes, body in SCRIPT.findall(text):
        if body.strip() and not DATA_SCRIPT_TYPE.search(attributes):
            found.append("inline <script>")
    return found


def project_template_files() -> list[Path]:
    """Every template file of the project: settings' template DIRS and the templates/ (and
    jinja2/) folders of the project's own apps (not those of installed packages)."""
    folders = [Path(folder) for engine in django_settings.TEMPLATES for folder in engine.get("DIRS", [])]
    for app_dir in ROOT.iterdir():
        if app_dir.is_dir() and (app_dir / "__init__.py").exists():
            folders += [app_dir / "templates", app_dir / "jinja2"]
    files = sorted({path for folder in folders if folder.is_dir() for path in folder.rglob("*")
                    if path.is_file() and path.suffix in {".html", ".txt", ".svg", ".jinja", ".j2", ".xml"}})
    assert len(files) > 50, "the walk found the templates"
    return files


def test_no_template_holds_inline_style_or_script():
    offenders = {}
    for path in project_template_files():
        if found := inline_code(path.read_text(encoding="utf-8")):
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, offenders


@pytest.mark.parametrize("markup", [
    "<style>.a { color: red }</style>",
    '<div class="bar" style="width: 40%">',
    '<rect width="4"\n      style="fill: red"/>',
    '<button type="button" onclick="go()">',
    '<select onchange="this.form.submit()">',
    '<a href="javascript:history.back()">',
    "<script>document.title = 'x';</script>",
    '<script type="module">import "./a.js";</script>',
])
def test_the_template_walk_catches_inline_code(markup):
    assert inline_code(f"<p>{markup}</p>")


@pytest.mark.parametrize("markup", [
    '<script src="/static/js/app.js"></script>',
    '<script id="data" type="application/json">{"a": 1}</script>',
    "<p>The person who is on call: one = two.</p>",
    '<meter value="0.4">40%</meter><svg><rect width="40" height="4"/></svg>',
    "{% comment %}No <style> here: see static/css/mesa.css.{% endcomment %}",
])
def test_the_template_walk_allows_what_the_policy_allows(markup):
    assert not inline_code(markup)


# --- Production settings: cookies, HSTS, https ---------------------------------------------

COOKIE_SETTINGS = [
    f"{cookie}_COOKIE_{attribute}" for cookie in ("SESSION", "CSRF", "LANGUAGE")
    for attribute in ("SECURE", "HTTPONLY", "SAMESITE")
]
SECURITY_SETTINGS = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", *COOKIE_SETTINGS,
]
PRINT_SETTINGS = """
import json, sys
import django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))
"""


def production_env() -> dict:
    """The variables of a deployment (docker-compose.yml's): DJANGO_DEBUG=0, a long secret key,
    allowed hosts, behind a TLS-terminating proxy; the security switches left at their defaults."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mesa.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "mesa.example.org",
        "MESA_BEHIND_PROXY": "1",
    }
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_HSTS_PRELOAD",
                 *TEST_ONLY_VARIABLES):
        env.pop(name, None)
    return env


def test_check_deploy_is_clean_behind_the_proxy():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """mesa.settings as a deployment imports it (production_env)."""
    result = subprocess.run([sys.executable, "-c", PRINT_SETTINGS, *SECURITY_SETTINGS], cwd=ROOT,
                            env=production_env(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_settings_make_every_cookie_secure_httponly_and_lax(production_settings):
    assert production_settings["DEBUG"] is False
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert production_settings[f"{cookie}_COOKIE_SECURE"] is True, cookie
        assert production_settings[f"{cookie}_COOKIE_HTTPONLY"] is True, cookie
        assert production_settings[f"{cookie}_COOKIE_SAMESITE"] == "Lax", cookie


def test_production_settings_redirect_to_https_and_send_hsts_for_a_year(production_settings):
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture
def production(settings, production_settings):
    """This process's settings set to the production values (before the client's first request:
    SecurityMiddleware reads them when it is built)."""
    settings.DEBUG = False
    for name, value in production_settings.items():
        if name != "DEBUG":
            setattr(settings, name, value)
    return settings


def assert_hardened_cookie(response, name: str) -> None:
    cookie = response.cookies[name]
    assert cookie["secure"] is True, name
    assert cookie["httponly"] is True, name
    assert cookie["samesite"] == "Lax", name


def assert_hsts(response) -> None:
    hsts = response["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in hsts


@pytest.mark.django_db
@pytest.mark.parametrize("https", [{"secure": True}, {"headers": {"x-forwarded-proto": "https"}}],
                         ids=["https", "behind-the-proxy"])
def test_cookies_set_in_production_are_secure_httponly_and_lax(client, production, https):
    login_page = client.get(reverse("accounts:login"), **https)
    assert login_page.status_code == 200
    assert_hsts(login_page)
    assert_strict_policy(login_page)
    assert_hardened_cookie(login_page, django_settings.CSRF_COOKIE_NAME)

    person = UserFactory(email="ana.lopez@example.org")
    logged_in = client.post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD},
                            **https)
    assert logged_in.status_code == 302
    assert_hsts(logged_in)
    assert_hardened_cookie(logged_in, django_settings.SESSION_COOKIE_NAME)

    language = client.post(reverse("accounts:set-language"), {"language": "en", "next": "/"}, **https)
    assert language.status_code == 302
    assert_hardened_cookie(language, django_settings.LANGUAGE_COOKIE_NAME)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_in_production(client, production):
    response = client.get(reverse("home"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
