"""The data version: one number that changes whenever anything feeding attainment changes.

A one-row table ``indicators_data_version`` holds the number. A statement-level trigger (AFTER
INSERT, UPDATE, DELETE or TRUNCATE; ``COPY`` fires the INSERT triggers) on every table the
results are computed from (figures and their history, agencies, periods, plans, focus areas,
indicators, targets) notes the writing transaction in ``indicators_data_change``, once per
transaction; a deferred constraint trigger on that table then bumps the number **at commit**, to
the next value of a sequence, and removes the note.

Why at commit: bumping the one row at the first write would hold its lock for the whole
transaction, so every writer would queue behind a long import, and two writers that lock figures
in different orders could deadlock through it. At commit the lock lasts only to the end of the
commit, and the new number becomes visible together with the data. A transaction that rolls back
bumps nothing. The tables are not Django models, so ``flush`` (transactional tests) leaves them.
"""

from django.db import migrations

TABLES = [
    "indicators_measurement",
    "indicators_historicalmeasurement",
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
CREATE TABLE indicators_data_change (txid bigint PRIMARY KEY);
CREATE FUNCTION indicators_note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO indicators_data_change (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE FUNCTION indicators_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE indicators_data_version
       SET version = nextval('indicators_data_version_seq'), changed_at = now()
     WHERE id = 1;
    DELETE FROM indicators_data_change WHERE txid = NEW.txid;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER indicators_data_change_at_commit
    AFTER INSERT ON indicators_data_change DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION indicators_bump_data_version();
"""

DROP = """
DROP TABLE IF EXISTS indicators_data_change;
DROP FUNCTION IF EXISTS indicators_note_data_change() CASCADE;
DROP FUNCTION IF EXISTS indicators_bump_data_version() CASCADE;
DROP TABLE IF EXISTS indicators_data_version;
DROP SEQUENCE IF EXISTS indicators_data_version_seq;
"""


def trigger_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION indicators_note_data_change();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_entry_locking_evidence"),
        ("targets", "0002_plan_829"),
    ]

    operations = [
        migrations.RunSQL(CREATE + "".join(trigger_sql(t) for t in TABLES), DROP),
    ]
