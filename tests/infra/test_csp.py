"""Content-Security-Policy: the header on every page, no inline script anywhere (templates,
rendered pages), and in Chromium the main pages run their scripts and draw their charts without
a single violation reported."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from duban.ledgers.selectors import LEDGERS
from tests.conftest import dept, make_user
from tests.plans.test_browser import SEED, log_in
from tests.targets.conftest import fiveg  # noqa: F401 - a fixture used below

ROOT = Path(__file__).resolve().parents[2]
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a strict script-src refuses: inline <script>, on*= handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if not values.get("src") and (values.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…> at line {self.getpos()[0]}")


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def test_the_parser_sees_what_the_policy_refuses():
    found = inline_code(
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{}</script>'
        '<button onclick="go()">x</button><a href="javascript:go()">y</a>'
    )
    assert len(found.problems) == 3 and found.scripts == 3


def test_no_template_carries_inline_script():
    offenders = {}
    templates = sorted(ROOT.glob("duban/**/templates/**/*.html"))
    assert len(templates) > 40
    for path in templates:
        source = path.read_text(encoding="utf-8")
        # Template tags would confuse the HTML parser inside attributes; blank them first.
        found = inline_code(re.sub(r"{%.*?%}|{{.*?}}", "x", source, flags=re.S))
        if found.problems:
            offenders[str(path.relative_to(ROOT))] = found.problems
    assert offenders == {}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.fixture
def pages(fiveg, prov_sup, prov_leader, admin_user):  # noqa: F811 - pytest fixture
    from duban.plans import services as plans

    plan = plans.import_report(actor=prov_sup, data=SEED.read_bytes(), name=SEED.name, year=2021)[0]
    item = fiveg.item
    sup = [
        "/",
        "/items/",
        f"/items/{item.pk}/",
        "/board/",
        "/workbench/",
        *[f"/ledgers/{key}/" for key in LEDGERS],
        f"/ledgers/print/item/{item.pk}/notice/",
        f"/ledgers/print/item/{item.pk}/record/",
        "/targets/",
        f"/targets/{fiveg.pk}/",
        "/plans/",
        f"/plans/{plan.pk}/",
        "/bulletins/",
        "/inbox/",
        "/inbox/settings/",
    ]
    return [
        (None, ["/login/", "/public/", "/api/docs"]),
        (prov_sup, sup),
        (prov_leader, ["/dashboard/", f"/items/{item.pk}/"]),
        (admin_user, ["/manage/users/", "/manage/calendar/2026/", "/admin/"]),
    ]


@pytest.mark.django_db
def test_every_main_page_has_the_policy_and_no_inline_script(pages, clock):
    clock("2026-03-02 10:00")
    seen = 0
    for user, urls in pages:
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            policy = _policy(response)
            assert policy["script-src"] == ["'self'"], url
            assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
            assert "'unsafe-eval'" not in response["Content-Security-Policy"]
            found = inline_code(response.content.decode())
            assert found.problems == [], (url, found.problems)
            seen += found.scripts
    assert seen > 20  # the pages do load scripts, all of them from files


VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
window.print = function () { window.__printed = (window.__printed || 0) + 1; };
"""


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.add_init_script(VIOLATIONS)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


@pytest.mark.browser
def test_main_pages_run_their_scripts_under_the_policy(
    live_server,
    browser,
    fiveg,  # noqa: F811 - pytest fixture
    prov_sup,
    prov_leader,
    clock,
):
    from duban.items import services as items
    from duban.plans import services as plans

    clock("2026-03-02 10:00")
    item = fiveg.item
    track = item.tracks.get(unit=dept("省工信厅"))
    clerk = make_user("gxt_clerk_csp", dept("省工信厅"), "clerk")
    items.sign(actor=clerk, track_id=track.pk)
    items.file_report(actor=clerk, track_id=track.pk, kind="deploy", done="已部署")
    items.file_report(actor=clerk, track_id=track.pk, kind="feedback", done="正在推进")
    plan = plans.import_report(actor=prov_sup, data=SEED.read_bytes(), name=SEED.name, year=2021)[0]

    # The leader's dashboard and a target's page: ECharts draws (SVG).
    page = log_in(browser, live_server, prov_leader)
    errors = _watch(page)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => document.documentElement.dataset.chartsDrawn === '1'", timeout=15000)
    assert page.locator("#units-chart svg").count() >= 1
    assert _violations(page) == []
    page.goto(f"{live_server.url}/targets/{fiveg.pk}/")
    page.wait_for_function("() => document.documentElement.dataset.chartsDrawn === '1'", timeout=15000)
    assert page.locator("#trajectory-chart svg").count() >= 1
    assert _violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e], errors

    # The item page's script: figure fields only for a 进度报告.
    page = log_in(browser, live_server, clerk)
    errors = _watch(page)
    page.goto(f"{live_server.url}/items/{item.pk}/")
    form = page.locator(f"#track-{track.pk} form.report-form")
    fields = form.locator("fieldset.figure-fields")
    kinds = form.locator("select[name=kind] option").evaluate_all("os => os.map(o => o.value)")
    assert "progress" in kinds and len(kinds) > 1
    form.locator("select[name=kind]").select_option(next(k for k in kinds if k != "progress"))
    assert fields.is_hidden()
    form.locator("select[name=kind]").select_option("progress")
    assert fields.is_visible()
    assert _violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e], errors

    # The draft plan: ticking counts; the batch button asks first. The ledger prints.
    page = log_in(browser, live_server, prov_sup)
    errors = _watch(page)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    before = int(page.locator("#pending-count").inner_text())
    box = page.locator("input.pick").first
    now = before - 1 if box.is_checked() else before + 1
    box.click()
    assert int(page.locator("#pending-count").inner_text()) == now
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("#assign-btn").click()
    assert asked and f"将立项并交办 {now} 项督办事项" in asked[0]
    assert page.url.endswith(f"/plans/{plan.pk}/")  # dismissed: nothing was submitted
    assert _violations(page) == []
    page.goto(f"{live_server.url}/ledgers/{next(iter(LEDGERS))}/")
    page.locator("button[data-print-page]").click()
    assert page.evaluate("window.__printed") == 1 and _violations(page) == []
    page.goto(f"{live_server.url}/ledgers/print/item/{item.pk}/notice/")
    page.locator("button[data-print-page]").click()
    assert page.evaluate("window.__printed") == 1 and _violations(page) == []
    page.goto(f"{live_server.url}/workbench/")
    assert _violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e], errors
