"""A lost database answers 503 "Hệ thống tạm gián đoạn" on every path, and the app heals itself.

The failures are injected at the database connection: an execute wrapper that raises the error
psycopg or Django raise when the server goes away (inside a view's query, or inside the session
lookup that the authentication middleware makes), and a real connection attempt to a server that
is not there. The real stop and restart of PostgreSQL under load is in the soak script
(``bash soak/run``, docs/reliability.md).
"""

import psycopg
import pytest
from django import db
from django.db import connection
from django.test import Client
from django.urls import get_resolver, reverse

from reform_plan import outage

PAGE = reverse("plan-detail")


@pytest.fixture
def logged_in(staff):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


def failing_on(table: str, error: BaseException):
    """An execute wrapper that raises ``error`` for every query that reads ``table``."""

    def wrapper(execute, sql, params, many, context):
        if table in sql:
            raise error
        return execute(sql, params, many, context)

    return wrapper


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Hệ thống tạm gián đoạn" in page
    assert "thử lại sau khoảng một phút" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_handler500_is_the_outage_aware_view():
    assert get_resolver().resolve_error_handler(500) is outage.server_error


@pytest.mark.parametrize(
    "error",
    [
        db.OperationalError("server closed the connection unexpectedly"),
        db.InterfaceError("connection already closed"),
        psycopg.OperationalError("connection is bad"),
    ],
    ids=["django-operational", "django-interface", "psycopg-operational"],
)
def test_query_failing_in_a_view_answers_503(logged_in, error):
    with connection.execute_wrapper(failing_on("targets_plan", error)):
        response = logged_in.get(PAGE)
    assert_outage_page(response)
    assert logged_in.get(PAGE).status_code == 200  # the next request is served again


def test_session_lookup_failing_in_middleware_answers_503(logged_in):
    error = db.OperationalError("could not connect to server: No such file or directory")
    with connection.execute_wrapper(failing_on("django_session", error)):
        response = logged_in.get(PAGE)
        entry = logged_in.get(reverse("entry-start"))
        post = logged_in.post(reverse("entry-start"))
    assert_outage_page(response)
    assert_outage_page(entry)
    assert post.status_code == 503


def test_other_errors_stay_a_plain_500(logged_in):
    for error in (ValueError("a bug"), db.IntegrityError("duplicate key")):
        with connection.execute_wrapper(failing_on("targets_plan", error)):
            response = logged_in.get(PAGE)
        assert response.status_code == 500
        assert "Hệ thống tạm gián đoạn" not in response.content.decode()
        assert "Retry-After" not in response


def test_outage_page_needs_no_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = outage.outage_response()
    assert_outage_page(response)


def test_is_database_outage_follows_the_cause_chain():
    try:
        try:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        except psycopg.OperationalError as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError as exc:
        assert outage.is_database_outage(exc)
    assert not outage.is_database_outage(KeyError("x"))
    assert not outage.is_database_outage(None)


def test_unreachable_server_answers_503_then_recovers(transactional_db, staff):
    """A real connection attempt to a server that is not there, then the server is back."""
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    assert client.get(PAGE).status_code == 200
    host = connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"] = "/nonexistent/postgresql-socket-dir"
    try:
        response = client.get(PAGE)
    finally:
        connection.close()
        connection.settings_dict["HOST"] = host
    assert_outage_page(response)
    assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.DiskFull("could not extend file"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failed_statement_is_not_called_an_outage(error):
    """Only a lost or refused connection is an outage; a deadlock or a timeout fails this
    request (500), it must not tell people that nothing was lost and to come back later."""
    wrapped = db.OperationalError(str(error))
    wrapped.__cause__ = error
    assert not outage.is_database_outage(wrapped)
    assert outage.is_database_outage(psycopg.errors.AdminShutdown("terminating connection"))
    assert outage.is_database_outage(psycopg.errors.ConnectionFailure("connection failure"))
