"""Shared fixtures: personas for every role, hand-made figures, and real Chromium.

Browser tests use Debian's ``chromium`` through Playwright. Without it they are skipped and the
run says so loudly at the end; with ``CI=true`` a missing browser fails the run instead.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import translation

from indicators import roles
from indicators.models import Agency, Measurement, Period, Profile
from targets.models import Indicator, Plan, Target

PASSWORD = "mat-khau-thu-nghiem-2021"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def make_user(username, group=None, agency_code=None, **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    if agency_code:
        Profile.objects.create(user=user, agency=Agency.objects.get(code=agency_code))
    return user


@pytest.fixture
def staff(db):
    """Chuyên viên Sở Nội vụ."""
    return make_user("chuyenvien", roles.STAFF)


@pytest.fixture
def officer_a(db):
    """Cán bộ of Sở Tư pháp."""
    return make_user("canbo.stp", roles.OFFICER, "STP")


@pytest.fixture
def officer_b(db):
    """Cán bộ of Phường Mỹ Bình (a commune of Long Xuyên)."""
    return make_user("canbo.mybinh", roles.OFFICER, "30280")


@pytest.fixture
def leader(db):
    return make_user("lanhdao", roles.LEADER)


@pytest.fixture
def committee(db):
    return make_user("bancd", roles.COMMITTEE)


@pytest.fixture
def plan(db):
    return Plan.objects.get(year=2021)


@pytest.fixture
def periods(db):
    """{'2021-Q1': Period, ..., '2021': Period}."""
    return {p.code: p for p in Period.objects.filter(year=2021)}


@pytest.fixture
def target(plan):
    def get(code):
        return Target.objects.select_related("indicator").get(plan=plan, code=code)

    return get


@pytest.fixture
def measure(db):
    """Create a measurement: measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)."""

    def create(
        indicator,
        agency,
        period,
        numerator=None,
        denominator=None,
        *,
        rank=None,
        score=None,
        status=Measurement.Status.SUBMITTED,
        note="",
    ):
        return Measurement.objects.create(
            indicator=Indicator.objects.get(code=indicator),
            agency=Agency.objects.get(code=agency),
            period=Period.objects.get(code=period),
            numerator=numerator,
            denominator=denominator,
            rank=rank,
            score=score,
            status=status,
            note=note,
        )

    return create


# --- Real Chromium ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        if IN_CI:
            pytest.fail(
                "Chromium is missing in CI: browser tests must run (apt-get install chromium)."
            )
        pytest.skip("CHROMIUM NOT FOUND: browser tests skipped (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_terminal_summary(terminalreporter):
    """Say loudly, at the very end, which system programs were missing and what was skipped."""
    if not CHROMIUM:
        terminalreporter.write_sep("!", "CHROMIUM NOT FOUND: BROWSER TESTS WERE SKIPPED", red=True)
    if not shutil.which("pdftoppm"):
        terminalreporter.write_sep(
            "!", "PDFTOPPM NOT FOUND: THE PDF WAS NOT TURNED INTO IMAGES", red=True
        )
    try:
        import weasyprint  # noqa: F401
    except OSError:
        terminalreporter.write_sep(
            "!", "PANGO NOT FOUND: THE PDF REPORT TEST WAS SKIPPED", red=True
        )


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (every live_server test) flush the database when they end, which
    wipes the plan, agencies, periods and groups that data migrations load. Put them back
    before any test that needs the database (cheap when they are already there)."""
    if "live_server" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps as django_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    from indicators.agencies import load_agencies
    from indicators.models import ensure_periods
    from indicators.roles import create_groups
    from targets import plan_829

    if Group.objects.exists() and Agency.objects.exists() and Plan.objects.exists():
        return
    plan_829.load(django_apps)
    load_agencies(Agency)
    ensure_periods(2021)
    for config in django_apps.get_app_configs():
        create_permissions(config, verbosity=0)
    create_groups(Group, Permission)


def login_in_browser(page, live_server, username, password=PASSWORD):
    """Log in through the real login form and wait until we have left it."""
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click(".login-card button[type=submit]")
    assert "/dang-nhap/" not in page.url, "login failed"


@pytest.fixture(autouse=True)
def _vietnamese_between_tests():
    """The middleware activates the chosen language for the thread serving a request and leaves
    it active; a test that requested an English page would otherwise leave English on for the
    tests after it (messages built outside a request, e.g. ``parse_score``, would be English)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _results_cache_off(settings):
    """Computed results are cached per data version (indicators/data_version.py); tests measure
    the computation itself (query counts), so the cache is off unless a test turns it on
    (tests/test_data_version.py)."""
    settings.RESULTS_CACHE = False
