"""Shared fixtures: the Shanxi org tree and named personas.

Personas (healthchecks style): each test says who acts, so permission tests read like stories.
- ``prov_sup``      provincial supervisor (山西省, 督查员) — the usual issuer
- ``prov_leader``   provincial leader (山西省, 领导)
- ``city_sup``      Taiyuan city supervisor (太原市, 督查员)
- ``county_clerk``  Xiaodian district clerk (小店区, 承办人) — the usual handler
- ``county_head``   Xiaodian district head (小店区, 第一责任人)
- ``sibling_clerk`` Yingze district clerk (迎泽区, 承办人) — a sibling county
- ``town_clerk``    a township clerk under Xiaodian (刘家堡乡, 承办人)
- ``dept_clerk``    clerk of the provincial 工信厅 (a department of the province)
- ``admin_user``    provincial admin (管理员)
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest

from duban.core.clock import SHANGHAI, travel_to

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# The journal key of every test database (and of the commands tests start), so no run writes a
# key file under ./var beside a developer's own database; tests of the key file set their own.
os.environ.setdefault("DUBAN_JOURNAL_KEY", "duban-test-journal-key-0123456789abcdef")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")
    # Real hashing costs ~0.3 s per persona; tests are not about password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _session_limits_off(settings):
    # Tests travel the clock by days between the requests of one login; the session limits
    # would end it. tests/accounts turns them back on to test them.
    settings.DUBAN_SESSION_IDLE_MINUTES = 0
    settings.DUBAN_SESSION_HOURS = 0


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The holiday table is cached per process; a rolled-back test must not leave entries behind.
    from duban.workcal import calendar

    calendar.forget()
    yield
    calendar.forget()


@pytest.fixture(autouse=True)
def _fresh_target_readings():
    # Readings are memoised per target id; a rolled-back test's ids are reused by the next one
    # on SQLite, which production never does (targets are never deleted).
    from duban.targets import selectors

    selectors._MEMO.clear()
    yield
    selectors._MEMO.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Django's default SQLite test database is in-memory with a shared cache, where a second
    # writer fails at once with "database table is locked" instead of waiting its turn. The
    # concurrency tests need real file locking (WAL, busy timeout), so use a file, one per run.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.setdefault("TEST", {}).get("NAME"):
        db["TEST"]["NAME"] = os.path.join(tempfile.gettempdir(), f"duban-test-{os.getpid()}.sqlite3")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Load the org tree once per run; each test's transaction rolls back on top of it.
    from duban.orgs.services import load_shanxi

    # Loaded "in 2016", before any test's story, so the journal reads forward in time.
    with django_db_blocker.unblock(), travel_to(dt.datetime(2016, 9, 1, tzinfo=SHANGHAI)):
        load_shanxi()


@pytest.fixture
def shanxi(db):
    from duban.orgs.models import OrgUnit
    from duban.orgs.services import load_shanxi

    if not OrgUnit.objects.filter(code="140000").exists():  # a transactional test flushed it
        with travel_to(dt.datetime(2016, 9, 1, tzinfo=SHANGHAI)):
            load_shanxi()
    return OrgUnit.objects.get(code="140000")


def unit(code: str):
    from duban.orgs.models import OrgUnit

    return OrgUnit.objects.get(code=code)


def dept(short_name: str):
    from duban.orgs.models import OrgUnit

    return OrgUnit.objects.get(short_name=short_name, parent__code="140000")


def make_user(username: str, unit_obj, role: str, password: str = "pw-123456"):
    from duban.orgs.models import User

    user = User.objects.create_user(
        username=username, password=password, unit=unit_obj, role=role, display_name=username
    )
    return user


@pytest.fixture
def prov_sup(shanxi):
    return make_user("prov_sup", shanxi, "supervisor")


@pytest.fixture
def prov_leader(shanxi):
    return make_user("prov_leader", shanxi, "leader")


@pytest.fixture
def city_sup(shanxi):
    return make_user("city_sup", unit("140100"), "supervisor")


@pytest.fixture
def county_clerk(shanxi):
    return make_user("county_clerk", unit("140105"), "clerk")


@pytest.fixture
def county_head(shanxi):
    return make_user("county_head", unit("140105"), "head")


@pytest.fixture
def sibling_clerk(shanxi):
    return make_user("sibling_clerk", unit("140106"), "clerk")


@pytest.fixture
def town_clerk(shanxi):
    return make_user("town_clerk", unit("140105001"), "clerk")


@pytest.fixture
def dept_clerk(shanxi):
    return make_user("dept_clerk", dept("省工信厅"), "clerk")


@pytest.fixture
def admin_user(shanxi):
    from duban.orgs.models import User

    return User.objects.create_superuser(
        username="admin_user", password="pw-123456", unit=shanxi, role="admin"
    )


@pytest.fixture
def clock():
    """Travel the clock: ``clock("2021-09-30 10:00")`` sets Asia/Shanghai wall time."""
    stack = []

    def travel(when: str | dt.datetime):
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when)
        if when.tzinfo is None:
            when = when.replace(tzinfo=SHANGHAI)
        cm = travel_to(when)
        cm.__enter__()
        stack.append(cm)
        return when

    yield travel
    while stack:
        stack.pop().__exit__(None, None, None)


@pytest.fixture
def assigned_item(prov_sup, county_clerk, clock):
    """A general item the province assigned to Xiaodian on 2021-09-30 10:00."""
    from duban.items import services

    clock("2021-09-30 10:00")
    item = services.register_and_assign(
        actor=prov_sup, title="推进老旧小区改造", body="年内开工改造", lead=[unit("140105")]
    )
    return item


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory):
    """Where browser tests save screenshots: a folder of the run's own, so a test run never
    rewrites tracked files. ``scripts/screenshots`` points it at docs/screenshots on purpose."""
    from pathlib import Path

    chosen = os.environ.get("DUBAN_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def tmp_data_dir():
    return tempfile.mkdtemp(prefix="duban-test-")


# The browser tests drive Debian's Chromium (not a Playwright download) with these flags.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_sessionfinish(session, exitstatus):
    # CI installs everything the suite needs, so a skipped test there is a test that did not
    # run: fail the run rather than report green.
    if os.environ.get("CI") and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = reporter.stats.get("skipped", []) if reporter else []
        if skipped:
            reporter.write_line(f"{len(skipped)} test(s) skipped in CI: failing the run", red=True)
            session.exitstatus = 1
