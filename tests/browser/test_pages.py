"""Every main page, on a phone, in both languages: accessible (axe-core) and light.

The demo table (seed_demo) gives the pages real content: concerns with answers, sessions,
agreements, commitments with updates, indicators with a year of figures. Each page is
opened afresh as the person who would use it; axe-core runs in the page, and what the
first load brought is weighed, compressed as the server would send it.

Budgets (issue 10): at most 60 KB of HTML and CSS and 20 KB of JavaScript, compressed;
no web fonts. Violations of impact "serious" or "critical" fail; lesser ones are printed.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from commitments.models import Commitment
from concerns.models import Concern, Visibility
from indicators.models import Indicator
from meetings.models import Agreement, Session
from mesa.models import Table

from .conftest import ARTIFACTS

HTML_AND_CSS_BUDGET = 60 * 1024
JS_BUDGET = 20 * 1024
DEMO_PASSWORD = "mesa-demo-2026"
SECRETARIAT = "secretaria@demo.mesa.mx"
FAILING_IMPACTS = {"serious", "critical"}


def main_pages(table: Table) -> list[tuple[str, str, str]]:
    """(name, who opens it, address): "anyone" pages without an account, "secretariat" signed in."""
    concern = Concern.objects.filter(table=table, visibility=Visibility.PUBLIC).order_by("pk").first()
    session = Session.objects.filter(table=table).order_by("pk").first()
    agreement = Agreement.objects.filter(session__table=table).order_by("pk").first()
    commitment = Commitment.objects.filter(table=table).order_by("pk").first()
    indicator = Indicator.objects.filter(table=table, observations__isnull=False).order_by("pk").first()
    slug = {"table_slug": table.slug}
    return [
        ("home", "anyone", reverse("home")),
        ("table", "anyone", reverse("mesa:table-detail", kwargs={"slug": table.slug})),
        ("concern-list", "anyone", reverse("concerns:concern-list", kwargs=slug)),
        ("concern", "anyone", reverse("concerns:concern-detail", kwargs={**slug, "pk": concern.pk})),
        ("concern-form", "anyone", reverse("concerns:concern-create", kwargs=slug)),
        ("receipt", "anyone", reverse("receipt:follow-up")),
        ("session-list", "anyone", reverse("meetings:session-list", kwargs=slug)),
        ("session", "anyone", reverse("meetings:session-detail", kwargs={**slug, "pk": session.pk})),
        ("agreement-list", "anyone", reverse("meetings:agreement-list", kwargs=slug)),
        ("agreement", "anyone", reverse("meetings:agreement-detail", kwargs={**slug, "pk": agreement.pk})),
        ("commitment-list", "anyone", reverse("commitments:list", kwargs=slug)),
        ("commitment", "anyone", reverse("commitments:detail", kwargs={**slug, "pk": commitment.pk})),
        ("dashboard", "anyone", reverse("commitments:dashboard", kwargs=slug)),
        ("indicators", "anyone", reverse("indicators:overview", kwargs=slug)),
        ("indicator", "anyone", reverse("indicators:detail", kwargs={**slug, "code": indicator.code})),
        ("justice-chain", "anyone", reverse("indicators:justice-chain", kwargs=slug)),
        ("evaluation", "anyone", reverse("indicators:evaluation", kwargs=slug)),
        ("proposal-list", "anyone", reverse("meetings:proposal-list", kwargs=slug)),
        ("open-data", "anyone", reverse("commitments:open-data", kwargs=slug)),
        ("subcommittees", "anyone", reverse("subcommittees:subcommittee-list", kwargs=slug)),
        ("login", "anyone", reverse("accounts:login")),
        ("signup", "anyone", reverse("accounts:signup")),
        ("profile", "secretariat", reverse("accounts:profile")),
        ("inbox", "secretariat", reverse("reminders:inbox-list")),
        ("triage", "secretariat", reverse("concerns:triage", kwargs=slug)),
        ("members", "secretariat", reverse("mesa:member-list", kwargs={"slug": table.slug})),
        ("session-form", "secretariat", reverse("meetings:session-create", kwargs=slug)),
        ("table-settings", "secretariat", reverse("mesa:table-settings", kwargs={"slug": table.slug})),
        ("colonias", "secretariat", reverse("concerns:colonia-list", kwargs=slug)),
        ("reminders", "secretariat", reverse("reminders:reminder-list", kwargs=slug)),
        ("inbox-preferences", "secretariat", reverse("reminders:preferences")),
        ("calendar-settings", "secretariat", reverse("calendar-settings")),
        ("two-step-removal", "secretariat", reverse("accounts:two-factor-remove")),
        ("concern-as-secretariat", "secretariat",
         reverse("concerns:concern-detail", kwargs={**slug, "pk": concern.pk})),
    ]


def run_axe(page, axe_source: str) -> list[dict]:
    # Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
    page.evaluate(axe_source)
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    return Table.objects.get(slug="juarez")


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_main_page_is_accessible_and_within_its_weight_budget(phones, demo, axe_source, language):
    pages = main_pages(demo)
    visitor = phones(language=language, who=f"visitante-{language}")
    secretariat = phones(language=language, who=f"secretaria-{language}")
    TOTPDevice.objects.create(user=User.objects.get(email=SECRETARIAT), name="authenticator", confirmed=True)
    secretariat.sign_in(SECRETARIAT, DEMO_PASSWORD)
    for phone in (visitor, secretariat):
        phone.choose_language()

    report, failures = {}, []
    for name, who, address in pages:
        phone = visitor if who == "anyone" else secretariat
        weight = phone.weigh(address)
        assert phone.page.locator("html").get_attribute("lang") == language, (name, address)
        phone.shot(name)
        violations = run_axe(phone.page, axe_source)
        serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        report[name] = {
            "address": address, "html": weight.html, "css": weight.css, "js": weight.js,
            "html_and_css": weight.html_and_css, "fonts": weight.fonts,
            "violations": violations,
        }
        if serious:
            failures.append(f"{name} ({address}): " + "; ".join(
                f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in serious))
        if weight.html_and_css > HTML_AND_CSS_BUDGET:
            failures.append(f"{name} ({address}): {weight.html_and_css} bytes of HTML and CSS "
                            f"(budget {HTML_AND_CSS_BUDGET})")
        if weight.js > JS_BUDGET:
            failures.append(f"{name} ({address}): {weight.js} bytes of JavaScript (budget {JS_BUDGET})")
        if weight.fonts:
            failures.append(f"{name} ({address}): web fonts {weight.fonts}")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"pages-{language}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    assert not failures, "\n".join(failures)
