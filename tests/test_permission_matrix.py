"""Every URL × every role × GET and POST, each answer written down (issue 8, "Access").

The matrix below is the specification: for each named URL pattern, the answer each role gets to a
GET and to a POST with empty data. The URL configuration is walked (nested includes too), so a new
URL without a row here fails ``test_every_url_has_a_matrix_entry`` with its name. The admin site is
one family: its index and one changelist stand for all its pages.

Answers: ``LOGIN`` is a redirect to a login page; ``REDIRECT`` any other redirect (a valid POST
or the officer's overview sending them to their agency's page); numbers are HTTP statuses (200 page,
400 missing data, 403 may see but not do, 404 may not see, 405 method not allowed).

Objects are agency A's (Sở Tư pháp): officer A owns them, officer B (a commune of Long Xuyên)
must get 404 for them, as ``indicators.access`` decides. Forbidden answers must write nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse

from indicators import roles
from indicators.models import Agency, Evidence, Measurement, Period, Profile
from targets.models import Indicator

ROLES = ("anonymous", "officer_a", "officer_b", "staff", "leader", "committee", "admin")
LOGIN = "login"
REDIRECT = "redirect"
LOGIN_PATHS = ("/dang-nhap/", "/quan-tri/login/")
PERIOD = "2021-Q1"
AGENCY_A = "STP"
INDICATOR = "ho_so_dung_han"
# What must never change after a refused request (login, 403, 404, 405).
REFUSED = {LOGIN, 403, 404, 405}


@dataclass(frozen=True)
class Entry:
    """Expected answers in ROLES order: anonymous, officer A, officer B, staff, leader,
    committee, admin."""

    get: tuple
    post: tuple
    kwargs: dict = field(default_factory=dict)
    query: str = ""


L, R = LOGIN, REDIRECT
VIEWERS_ONLY = (L, R, R, 200, 200, 200, 200)  # officers are sent to their agency's page
DASHBOARD = (L, 403, 403, 200, 200, 200, 200)
OPEN = (200,) * 7  # pages for people who cannot log in (password reset)
OPEN_NO_POST = (405,) * 7
SIGNED_IN = (L, 200, 200, 200, 200, 200, 200)
REPORT = (L, 403, 403, 200, 403, 200, 200)
ENTRY_SECTION = (L, 200, 200, 200, 200, 200, 200)
A_VISIBLE = (L, 200, 404, 200, 200, 200, 200)  # a figure or file of agency A
ENTERERS = (L, 200, 200, 200, 403, 403, 200)
NO_GET = (L, 405, 405, 405, 405, 405, 405)
NO_POST = NO_GET
M, E = "measurement", "evidence"  # kwargs filled from the fixtures

MATRIX: dict[str, Entry] = {
    "home": Entry(get=VIEWERS_ONLY, post=NO_POST),
    "plan-detail": Entry(get=(L, 200, 200, 200, 200, 200, 200), post=NO_POST),
    "login": Entry(get=(200,) * 7, post=(200,) * 7),  # empty POST: the form with its errors
    "logout": Entry(get=NO_GET, post=(L,) * 7),
    # Sở Nội vụ staff lift login lockouts; an empty POST is the form with its error
    "lockouts": Entry(
        get=(L, 403, 403, 200, 403, 403, 200), post=(L, 403, 403, 400, 403, 403, 400)
    ),
    "set_language": Entry(get=(R,) * 7, post=(R,) * 7),
    # One's own password: change it when signed in (an empty POST: the form with its errors),
    # reset it by e-mail without signing in (a made-up link: the "link no longer valid" page).
    "password_change": Entry(get=SIGNED_IN, post=SIGNED_IN),
    "password_change_done": Entry(get=SIGNED_IN, post=NO_POST),
    "password_reset": Entry(get=OPEN, post=OPEN),
    "password_reset_done": Entry(get=OPEN, post=OPEN_NO_POST),
    "password_reset_confirm": Entry(
        get=OPEN, post=OPEN, kwargs={"uidb64": "MQ", "token": "ca1a1a-0123456789abcdef"}
    ),
    "password_reset_complete": Entry(get=OPEN, post=OPEN_NO_POST),
    # Dashboards: the province-wide pages are for viewers and staff; an officer sees their own
    # agency's page (a district officer also their district's), others' answer 404.
    "dashboard-target": Entry(get=DASHBOARD, post=NO_POST, kwargs={"code": INDICATOR}),
    "dashboard-agency": Entry(get=A_VISIBLE, post=NO_POST, kwargs={"code": AGENCY_A}),
    "dashboard-district": Entry(get=DASHBOARD, post=NO_POST),
    "dashboard-heatmap": Entry(get=DASHBOARD, post=NO_POST),
    # Data entry: officers (their agencies), staff; viewers read but never post.
    "entry-start": Entry(get=ENTRY_SECTION, post=NO_POST),
    "completeness": Entry(get=ENTRY_SECTION, post=NO_POST),
    "completeness-xlsx": Entry(get=ENTRY_SECTION, post=NO_POST),
    "entry-history": Entry(get=ENTRY_SECTION, post=NO_POST),
    "excel-home": Entry(get=ENTERERS, post=NO_POST),
    "excel-template": Entry(get=(L, 400, 400, 400, 403, 403, 400), post=NO_POST),
    "excel-upload": Entry(get=NO_GET, post=(L, 400, 400, 400, 403, 403, 400)),
    "excel-confirm": Entry(get=NO_GET, post=(L, R, R, R, 403, 403, R)),
    "measurement-detail": Entry(get=A_VISIBLE, post=NO_POST, kwargs={"pk": M}),
    "measurement-review": Entry(
        get=NO_GET, post=(L, 403, 404, 200, 403, 403, 200), kwargs={"pk": M}
    ),
    "evidence-upload": Entry(get=NO_GET, post=(L, 400, 404, 400, 403, 403, 400), kwargs={"pk": M}),
    "evidence-download": Entry(get=A_VISIBLE, post=NO_POST, kwargs={"pk": E}),
    "evidence-delete": Entry(get=NO_GET, post=(L, R, 404, R, 403, 403, R), kwargs={"pk": E}),
    "entry-grid": Entry(
        get=(L, 200, 200, 200, 200, 200, 200),
        # An empty POST touches no row (it posts no version, so it saw none): nothing is
        # checked or saved, and the page reloads saying so.
        post=(L, R, R, R, 403, 403, R),
        kwargs={"period_code": PERIOD, "indicator_code": INDICATOR},
        query="?level=tinh",
    ),
    "grid-row": Entry(
        get=NO_GET,
        post=(L, 400, 404, 400, 403, 403, 400),
        kwargs={"period_code": PERIOD, "indicator_code": INDICATOR, "agency_code": AGENCY_A},
    ),
    "entry-form": Entry(
        get=A_VISIBLE,
        post=(L, 400, 404, 400, 403, 403, 400),
        kwargs={"period_code": PERIOD, "agency_code": AGENCY_A},
    ),
    "entry-check": Entry(
        get=NO_GET,
        post=(L, 400, 404, 400, 403, 403, 400),
        kwargs={"period_code": PERIOD, "agency_code": AGENCY_A},
    ),
    # The report: staff and the steering committee.
    "report": Entry(get=REPORT, post=NO_POST),
    "report-pdf": Entry(get=REPORT, post=NO_POST),
    "report-excel": Entry(get=REPORT, post=NO_POST),
    # The admin site, one family: administrators only (reform_plan/admin_site.py).
    "admin:index": Entry(get=(L, L, L, L, L, L, 200), post=(L, L, L, L, L, L, 200)),
    "admin:indicators_agency_changelist": Entry(
        get=(L, L, L, L, L, L, 200), post=(L, L, L, L, L, L, 200)
    ),
}


def _named_patterns(patterns, namespace=""):
    """(namespace, name, pattern) of every URL pattern, nested includes too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name, pattern


def matrix_gaps(patterns) -> tuple[list[str], list[str], list[str]]:
    """(URL names without a matrix entry, unnamed routes, matrix entries for no URL)."""
    names, unnamed = set(), []
    for namespace, name, pattern in _named_patterns(patterns):
        if namespace == "admin:":
            continue  # one family, covered by its index and one changelist
        if name is None:
            unnamed.append(str(pattern.pattern))
        else:
            names.add(namespace + name)
    missing = sorted(names - set(MATRIX))
    stale = sorted(n for n in set(MATRIX) - names if not n.startswith("admin:"))
    return missing, unnamed, stale


def test_every_url_has_a_matrix_entry():
    missing, unnamed, stale = matrix_gaps(get_resolver().url_patterns)
    assert not missing, f"URL patterns without a permission-matrix entry: {missing}"
    assert not unnamed, f"URL patterns without a name (name them, then add them): {unnamed}"
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def test_a_new_url_without_an_entry_is_named():
    extra = [
        path("moi/", lambda request: None, name="trang-moi"),
        path("khac/", include([path("", lambda request: None, name="trang-long")])),
        path("vo-danh/", lambda request: None),
    ]
    missing, unnamed, _ = matrix_gaps(get_resolver().url_patterns + extra)
    assert missing == ["trang-long", "trang-moi"]
    assert unnamed == ["vo-danh/"]


# --- One set of people and objects for the whole module -------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seven users, one submitted figure of agency A and one evidence file of it, created once
    (tests run inside transactions that roll back) and removed at the end."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    with django_db_blocker.unblock():
        users = {"anonymous": None}
        specs = {
            "officer_a": (roles.OFFICER, AGENCY_A),
            "officer_b": (roles.OFFICER, "30280"),
            "staff": (roles.STAFF, None),
            "leader": (roles.LEADER, None),
            "committee": (roles.COMMITTEE, None),
        }
        for role, (group, agency) in specs.items():
            user = User.objects.create(username=f"matrix.{role}")
            user.groups.add(Group.objects.get(name=group))
            if agency:
                Profile.objects.create(user=user, agency=Agency.objects.get(code=agency))
            users[role] = user
        users["admin"] = User.objects.create(
            username="matrix.admin", is_staff=True, is_superuser=True
        )
        measurement = Measurement.objects.create(
            indicator=Indicator.objects.get(code=INDICATOR),
            agency=Agency.objects.get(code=AGENCY_A),
            period=Period.objects.get(code=PERIOD),
            numerator=95,
            denominator=100,
            status=Measurement.Status.SUBMITTED,
        )
        evidence = Evidence.objects.create(
            measurement=measurement,
            file=ContentFile(b"%PDF-1.4 minh chung", name="minh-chung.pdf"),
            original_name="minh-chung.pdf",
            size=19,
            content_type="application/pdf",
        )
    yield {"users": users, "measurement": measurement, "evidence": evidence}
    with django_db_blocker.unblock():
        evidence.file.delete(save=False)
        Evidence.objects.filter(pk=evidence.pk).delete()
        Measurement.history.filter(id=measurement.pk).delete()
        Measurement.objects.filter(pk=measurement.pk).delete()
        User.objects.filter(username__startswith="matrix.").delete()
    media.disable()


def answer(response) -> str | int:
    """A response as the matrix writes it."""
    if response.status_code in (301, 302):
        location = response["Location"]
        return LOGIN if location.split("?")[0] in LOGIN_PATHS else REDIRECT
    return response.status_code


def _snapshot():
    """What a refused request must leave untouched."""
    return (
        list(Measurement.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Evidence.objects.order_by("pk").values_list("pk", flat=True)),
        Measurement.history.count(),
    )


def _url(name: str, entry: Entry, world) -> str:
    kwargs = {
        key: world[value].pk if value in (M, E) else value for key, value in entry.kwargs.items()
    }
    return reverse(name, kwargs=kwargs) + entry.query


CELLS = [
    pytest.param(name, method, index, id=f"{name}-{method}-{role}")
    for name in MATRIX
    for method in ("GET", "POST")
    for index, role in enumerate(ROLES)
]


class _NoPdf:
    """Stands in for WeasyPrint: who may download the PDF is decided before it is drawn, and
    drawing it three times would triple this module's time (the PDF has its own tests)."""

    def __init__(self, *args, **kwargs):
        pass

    def write_pdf(self, *args, **kwargs):
        return b"%PDF-1.7 stub"


@pytest.mark.parametrize(("name", "method", "index"), CELLS)
def test_permission_matrix(world, db, monkeypatch, name, method, index):
    monkeypatch.setitem(sys.modules, "weasyprint", SimpleNamespace(HTML=_NoPdf, CSS=_NoPdf))
    entry = MATRIX[name]
    expected = (entry.get if method == "GET" else entry.post)[index]
    user = world["users"][ROLES[index]]
    evidence = world["evidence"]
    if not evidence.file.storage.exists(evidence.file.name):  # a permitted delete removed it
        evidence.file.storage.save(evidence.file.name, ContentFile(b"%PDF-1.4 minh chung"))
    client = Client()
    if user is not None:
        client.force_login(user)
    before = _snapshot()
    url = _url(name, entry, world)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert answer(response) == expected, f"{method} {url} as {ROLES[index]}"
    if expected in REFUSED:
        assert _snapshot() == before, f"{method} {url} as {ROLES[index]} wrote something"


# --- An upload row for another agency -----------------------------------------------------------

# What each role gets for a one-row CSV equal to agency A's stored figure: officer B may not
# enter for agency A, so the row is refused by number, and the page says nothing of the stored
# figure (not "1 dòng không đổi", which would confirm its value).
UPLOAD_ROW = {
    "anonymous": LOGIN,
    "officer_a": "unchanged",
    "officer_b": "refused",
    "staff": "unchanged",
    "leader": 403,
    "committee": 403,
    "admin": "unchanged",
}


@pytest.mark.parametrize("role", ROLES)
def test_an_upload_row_of_another_agency_is_refused_changed_or_not(world, db, role, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    m = world["measurement"]
    header = "period,agency_code,indicator_code,numerator,denominator,value,note\n"
    equal = f"{PERIOD},{AGENCY_A},{INDICATOR},{m.numerator},{m.denominator},,\n"
    changed = f"{PERIOD},{AGENCY_A},{INDICATOR},{m.numerator - 1},{m.denominator},,\n"
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    before = _snapshot()
    for row in (equal, changed):
        response = client.post(
            reverse("excel-upload"),
            {"file": SimpleUploadedFile("so-lieu.csv", (header + row).encode())},
        )
        assert _snapshot() == before  # a preview writes nothing
        expected = UPLOAD_ROW[role]
        if expected in (LOGIN, 403):
            assert answer(response) == expected
            continue
        plan = response.context["plan"]
        if expected == "refused":
            assert response.status_code == 400 and plan.unchanged == 0 and not plan.changes
            assert [str(e) for e in plan.errors] == [
                "Dòng 2: bạn không có quyền nhập số liệu cho đơn vị “STP”."
            ]
            assert "không đổi, 1 lỗi" in response.content.decode()
        elif row is equal:
            assert response.status_code == 200 and plan.unchanged == 1 and plan.ok
        else:
            assert response.status_code == 200 and len(plan.changes) == 1
