"""Two people saving the same figure at the same moment: real concurrent requests, each from its
own logged-in client and database connection, released together by a barrier. Exactly one save
wins, the other is told (the conflict message), the database holds the winner's value and the
history one change. Repeated over several figures so that the requests really overlap."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from indicators import roles
from indicators.models import Measurement
from tests.conftest import make_user

CONFLICT = "Số liệu này vừa được người khác thay đổi"
INDICATOR = "ho_so_dung_han"
AGENCIES = ["STP", "SNV", "SKHDT"]
QUARTERS = ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def two_clients(transactional_db, staff):
    """Two Sở Nội vụ staff members, each logged in with a client of their own."""
    other = make_user("chuyenvien2", roles.STAFF)
    clients = []
    for user in (staff, other):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    return clients


def at_once(calls):
    """Run each call in its own thread, all released at the same instant; their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def post_figure(client, agency, period, numerator, version):
    url = reverse("entry-form", args=[period, agency])
    data = {
        f"{INDICATOR}-numerator": str(numerator),
        f"{INDICATOR}-denominator": "100",
        f"{INDICATOR}-note": "",
        f"{INDICATOR}-version": "" if version is None else str(version),
        "action": "save",
    }
    return lambda: client.post(url, data)


def post_review(client, measurement, action):
    url = reverse("measurement-review", args=[measurement.pk])
    data = {"action": action, "version": measurement.version}
    return lambda: client.post(url, data)


def figure(agency, period):
    return Measurement.objects.filter(
        agency__code=agency, period__code=period, indicator__code=INDICATOR
    ).first()


def one_winner(responses, numerators):
    """The winner's numerator; asserts one redirect (saved) and one conflict message."""
    statuses = [r.status_code for r in responses]
    history = Measurement.history.values_list("agency__code", "period__code", "numerator")
    assert sorted(statuses) == [200, 302], (statuses, list(history))
    loser = next(r for r in responses if r.status_code == 200)
    assert CONFLICT in loser.content.decode()
    return numerators[statuses.index(302)]


def test_two_people_creating_the_same_figure(two_clients):
    for agency in AGENCIES:
        for period in QUARTERS:
            numerators = [91, 92]
            responses = at_once(
                [
                    post_figure(c, agency, period, n, None)
                    for c, n in zip(two_clients, numerators, strict=True)
                ]
            )
            winner = one_winner(responses, numerators)
            saved = figure(agency, period)
            assert (saved.numerator, saved.version) == (winner, 1)
            assert saved.history.count() == 1


def test_two_people_changing_the_same_figure(two_clients, measure):
    m = measure(INDICATOR, "STP", "2021-Q2", 90, 100, status="draft")
    for round_ in range(8):
        version = figure("STP", "2021-Q2").version
        numerators = [60 + 2 * round_, 61 + 2 * round_]
        responses = at_once(
            [
                post_figure(c, "STP", "2021-Q2", n, version)
                for c, n in zip(two_clients, numerators, strict=True)
            ]
        )
        winner = one_winner(responses, numerators)
        saved = figure("STP", "2021-Q2")
        assert (saved.numerator, saved.version) == (winner, version + 1)
    assert m.history.count() == 1 + 8  # created, then one change per round


def test_approving_while_someone_edits(two_clients, measure):
    """Approve and edit at the same version: one wins; the other is refused with a reason."""
    for round_, period in enumerate(QUARTERS):
        m = measure(INDICATOR, "STP", period, 90, 100, status="submitted")
        calls = [
            post_review(two_clients[0], m, "approve"),
            post_figure(two_clients[1], "STP", period, 70 + round_, m.version),
        ]
        approved, edited = at_once(calls)
        saved = figure("STP", period)
        if saved.status == "approved":  # approval first: the edit meets a locked figure
            assert approved.status_code == 302
            assert edited.status_code == 200
            assert "đã được duyệt và đang khóa" in edited.content.decode()
            assert saved.numerator == 90
        else:  # the edit first: the approval meets a newer version
            assert edited.status_code == 302
            assert CONFLICT in approved.content.decode()
            # a corrected sent figure stays sent (workflow.status_after_change)
            assert (saved.numerator, saved.status) == (70 + round_, "submitted")
        assert saved.version == 2 and saved.history.count() == 2
