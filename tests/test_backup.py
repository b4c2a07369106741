"""Backup and restore (``manage.py backup_db`` / ``restore_db``): a round trip through a real
pg_dump and pg_restore of the test database gives back every figure and every history row,
field for field, while what changed after the backup is gone."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from indicators import data_version, workflow
from indicators.measurements import Figures
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator


def snapshot():
    """Every figure and every history row with all their fields."""
    figures = list(Measurement.objects.order_by("pk").values())
    history = list(Measurement.history.order_by("history_id").values())
    return figures, history


def save(agency, period, numerator, *, submit=False, user=None):
    indicator = Indicator.objects.get(code="ho_so_dung_han")
    agency, period = Agency.objects.get(code=agency), Period.objects.get(code=period)
    current = Measurement.objects.filter(indicator=indicator, agency=agency, period=period).first()
    m, _changed = workflow.measurement_save(
        indicator=indicator,
        agency=agency,
        period=period,
        figures=Figures(numerator=numerator, denominator=100, note=f"lần {numerator}"),
        version=current.version if current else None,
        submit=submit,
        user=user,
    )
    return m


@pytest.fixture
def figures_with_history(transactional_db, staff, officer_a):
    """Figures that went through several versions: drafts, submissions, approval, return."""
    for quarter in ("2021-Q1", "2021-Q2", "2021-Q3"):
        save("STP", quarter, 80, user=officer_a)
        save("STP", quarter, 85, user=officer_a)
        save("STP", quarter, 90, submit=True, user=officer_a)
    q1 = Measurement.objects.get(agency__code="STP", period__code="2021-Q1")
    workflow.measurement_approve(measurement=q1, version=q1.version, user=staff)
    q2 = Measurement.objects.get(agency__code="STP", period__code="2021-Q2")
    workflow.measurement_return(measurement=q2, version=q2.version, reason="Sai mẫu số", user=staff)
    save("SNV", "2021-Q1", 77, submit=True, user=staff)
    return staff


def test_backup_then_restore_gives_back_every_figure_and_its_history(
    figures_with_history, officer_a, tmp_path
):
    before = snapshot()
    assert len(before[0]) == 4 and len(before[1]) >= 12
    cached_rows = "SELECT count(*) FROM indicators_results_cache"
    with connection.cursor() as cursor:  # a cached value in the shared table (a report's PDF)
        cursor.execute(
            "INSERT INTO indicators_results_cache VALUES ('report-pdf', 'x', now() + '1 day')"
        )
    dump = tmp_path / "cchc.dump"
    call_command("backup_db", output=dump)
    assert dump.stat().st_size > 0

    # after the backup: a change, a deletion, a new figure
    save("STP", "2021-Q3", 60, user=officer_a)
    Measurement.objects.get(agency__code="SNV", period__code="2021-Q1").delete()
    save("STP", "2021-Q4", 50, user=officer_a)
    assert snapshot() != before
    used = data_version.read_version()

    call_command("restore_db", str(dump), yes=True)
    assert snapshot() == before
    with connection.cursor() as cursor:  # the cache is dumped empty: rebuilt on demand
        cursor.execute(cached_rows)
        assert cursor.fetchone()[0] == 0
    # the dump held an older data version: it is not handed out again (no stale cache entry)
    assert data_version.read_version() > used
    # the database is usable again: writing continues from where it was
    assert save("STP", "2021-Q4", 55, user=officer_a).version == 1


def test_restore_needs_confirmation(figures_with_history, tmp_path):
    before = snapshot()
    dump = tmp_path / "cchc.dump"
    call_command("backup_db", output=dump)
    Measurement.objects.filter(period__code="2021-Q1").delete()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_db", str(dump))
    assert len(snapshot()[0]) == len(before[0]) - 2  # nothing restored
    with pytest.raises(CommandError, match="Không có tệp sao lưu"):
        call_command("restore_db", str(tmp_path / "missing.dump"), yes=True)


def test_backup_goes_to_var_backups_with_a_timestamp(db, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("backup_db")
    (written,) = (tmp_path / "var" / "backups").iterdir()
    name = connection.settings_dict["NAME"]
    assert re.fullmatch(rf"cchc-{name}-\d{{8}}-\d{{6}}\.dump", written.name)
    assert not list(written.parent.glob("*.partial"))
