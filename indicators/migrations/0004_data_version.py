"""The data version: one number that changes whenever anything feeding attainment changes.

A one-row table ``indicators_data_version`` and a statement-level trigger (AFTER INSERT, UPDATE,
DELETE or TRUNCATE; ``COPY`` fires the INSERT triggers) on every table the results are computed
from: figures, agencies, periods, plans, focus areas, indicators and targets. The trigger sets the
row to the next value of a sequence, so a number is never handed out twice, not even by a
transaction that rolls back (see ``indicators.data_version``). The table is not a Django model,
so ``flush`` (transactional tests) leaves it alone. Also two indexes for the dashboards.
"""

from django.db import migrations

TABLES = [
    "indicators_measurement",
    "indicators_agency",
    "indicators_period",
    "targets_plan",
    "targets_focusarea",
    "targets_indicator",
    "targets_target",
]

CREATE = """
CREATE SEQUENCE indicators_data_version_seq;
CREATE TABLE indicators_data_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO indicators_data_version (id, version) VALUES (1, nextval('indicators_data_version_seq'));
CREATE FUNCTION indicators_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE indicators_data_version
       SET version = nextval('indicators_data_version_seq'), changed_at = now()
     WHERE id = 1;
    RETURN NULL;
END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS indicators_bump_data_version() CASCADE;
DROP TABLE IF EXISTS indicators_data_version;
DROP SEQUENCE IF EXISTS indicators_data_version_seq;
"""


def trigger_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION indicators_bump_data_version();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_entry_locking_evidence"),
        ("targets", "0002_plan_829"),
    ]

    operations = [
        migrations.RunSQL(CREATE + "".join(trigger_sql(t) for t in TABLES), DROP),
    ]
