"""The results cache shared by every worker (issue #7): Django's database cache table.

``indicators.data_version`` keeps computed results and page bodies in each worker's memory and,
behind it, in this table, so that a result computed by one gunicorn worker is not computed again
by the others (a national-scale report PDF takes tens of seconds). The columns are those
``manage.py createcachetable`` makes; creating it here means ``migrate`` is the only setup step,
whatever settings.CACHES says. Not a Django model: ``flush`` leaves it, which is safe because
its keys hold the data version, and ``backup_db`` skips its rows.
"""

from django.db import migrations

CREATE = """
CREATE TABLE indicators_results_cache (
    cache_key varchar(255) NOT NULL PRIMARY KEY,
    value text NOT NULL,
    expires timestamp with time zone NOT NULL
);
CREATE INDEX indicators_results_cache_expires ON indicators_results_cache (expires);
"""


class Migration(migrations.Migration):
    dependencies = [("indicators", "0004_data_version")]

    operations = [
        migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS indicators_results_cache;"),
    ]
