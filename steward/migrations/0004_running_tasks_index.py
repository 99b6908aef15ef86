from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("steward", "0003_worker_heartbeat_and_failed_task_index"),
    ]

    operations = [
        # Every worker's start and the clocks' sweep look for RUNNING rows a dead worker left (steward.worker_claims);
        # the queue's own indexes do not serve that, and the table holds every finished result. A partial index keeps
        # the look-up to the few running rows (both databases).
        migrations.RunSQL(
            "CREATE INDEX steward_running_tasks_idx ON django_tasks_database_dbtaskresult (started_at) WHERE status = 'RUNNING'",
            reverse_sql="DROP INDEX steward_running_tasks_idx",
        ),
    ]
