"""Every text a form accepts fits the database column it ends up in, history tables included.

A form that takes 2000 characters in front of a ``varchar(100)`` column answers a 500 ("value
too long for type character varying(100)") instead of a message next to the field. The test
walks every form class of the project and, for each text field (``CharField`` and its kinds:
``RegexField``, ``SlugField``, ``EmailField`` …), looks up where its value goes in ``WHERE``
below, then compares the form's ``max_length`` (plus any text the code adds, such as "Mở lại: "
before a reopen reason) with the length of that column **in the database** (so a history table
created by a migration is checked as it is, not as the model says). A text field missing from
``WHERE`` fails the test: say where its value goes, or why it is not stored.
"""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from indicators.measurements import MAX_COUNT, parse_score
from indicators.models import MAX_RANK, Measurement

PACKAGES = ("indicators", "reform_plan", "targets")
HISTORY = "indicators.HistoricalMeasurement"


def _reopen_prefix() -> int:
    """What ``measurement_reopen`` writes before the reason, in the longest language."""
    longest = 0
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            longest = max(longest, len(gettext("Mở lại: %(reason)s") % {"reason": ""}))
    return longest


# (form class, field) → the columns ("app.Model", "field") its value is stored in, with the
# number of characters the code adds; or a string: why the value is not stored as text.
WHERE = {
    ("indicators.entry_forms.FigureForm", "note"): [
        ("indicators.Measurement", "note", 0),
        (HISTORY, "note", 0),
    ],
    ("indicators.entry_forms.ReviewForm", "reason"): [
        ("indicators.Measurement", "review_reason", "reopen"),
        (HISTORY, "review_reason", "reopen"),
        (HISTORY, "history_change_reason", "reopen"),
    ],
    # counts, ranks and scores are parsed into numbers (test_number_limits_fit_their_columns)
    ("indicators.entry_forms.FigureForm", "numerator"): "parsed into a number",
    ("indicators.entry_forms.FigureForm", "denominator"): "parsed into a number",
    ("indicators.entry_forms.FigureForm", "rank"): "parsed into a number",
    ("indicators.entry_forms.FigureForm", "score"): "parsed into a number",
    # looked up, never written: still no longer than what it is compared with
    ("indicators.entry_forms.TemplateDownloadForm", "agency"): [("indicators.Agency", "code", 0)],
    ("reform_plan.lockout.UnlockForm", "username"): [("auth.User", "username", 0)],
    ("indicators.entry_forms.EntryStartForm", "q"): "search text, not stored",
    ("indicators.entry_forms.HistoryFilterForm", "agency"): "search text, not stored",
    ("indicators.entry_forms.ImportConfirmForm", "token"): "names a preview in the cache",
    ("indicators.dashboard_forms.DashboardFilterForm", "csv"): "names a chart to download",
}


def project_forms() -> dict[str, type]:
    """Every form class defined in the project's packages (migrations aside), by dotted name."""
    found = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    found[f"{module.__name__}.{name}"] = value
    return found


def column_length(model_label: str, field_name: str) -> int | None:
    """The column's maximum length in the database (None: unlimited text)."""
    model = apps.get_model(model_label)
    column = model._meta.get_field(field_name).column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, character_maximum_length FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = %s",
            [model._meta.db_table, column],
        )
        ((data_type, length),) = cursor.fetchall()
    assert data_type in ("character varying", "text"), (model_label, field_name, data_type)
    return length


def test_the_walk_finds_the_forms():
    names = project_forms()
    for expected in ("FigureForm", "ReviewForm", "UnlockForm", "DashboardFilterForm"):
        assert any(name.endswith(f".{expected}") for name in names), expected


@pytest.mark.django_db
def test_every_form_text_fits_its_column():
    problems = []
    added = {0: 0, "reopen": _reopen_prefix()}
    for form_name, form in sorted(project_forms().items()):
        for field_name, field in form.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            if isinstance(field.widget, forms.PasswordInput):
                continue  # hashed, never stored as typed
            where = WHERE.get((form_name, field_name))
            if where is None:
                problems.append(f"{form_name}.{field_name}: say in WHERE where its value goes")
                continue
            if isinstance(where, str):
                continue
            for model_label, column, extra in where:
                length = column_length(model_label, column)
                if length is None:
                    continue
                if field.max_length is None:
                    problems.append(
                        f"{form_name}.{field_name}: no limit, but {model_label}.{column} "
                        f"holds {length} characters"
                    )
                elif field.max_length + added[extra] > length:
                    problems.append(
                        f"{form_name}.{field_name}: up to {field.max_length + added[extra]} "
                        f"characters into {model_label}.{column}, which holds {length}"
                    )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_number_limits_fit_their_columns():
    """Counts, ranks and scores are refused above what their columns hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_name = %s",
            [Measurement._meta.db_table],
        )
        columns = {name: (kind, precision, scale) for name, kind, precision, scale in cursor}
    assert columns["numerator"][0] == columns["denominator"][0] == "bigint"
    assert MAX_COUNT < 2**63
    assert columns["rank"][0] == "smallint" and MAX_RANK < 2**15
    kind, precision, scale = columns["score"]
    assert kind == "numeric"
    largest = parse_score("99999,999")
    assert len(largest.as_tuple().digits) <= precision and -largest.as_tuple().exponent <= scale
    with pytest.raises(ValueError):
        parse_score("100000")
