# Counters were keyed under SECRET_KEY, from which an operator could recompute whose they were.
# They live an hour at most, so they are dropped rather than carried over; new ones are keyed per window.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("steward", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="RateCounter"),
        migrations.CreateModel(
            name="RatePeriod",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("window_seconds", models.PositiveIntegerField()),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField(db_index=True)),
                ("secret", models.BinaryField()),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("window_seconds", "starts_at"), name="rateperiod_length_start")],
            },
        ),
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=128)),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "period",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="counters", to="steward.rateperiod"),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("period", "key"), name="ratecounter_period_key")],
            },
        ),
    ]
