"""Fewer B-trees written with every new referral and idempotency record.

- ``created_at`` loses its index on idempotency records: a record is only found by its user and
  key (``idempotency_key_unique``).
- ``assigned_to`` is indexed only where it is set (``referral_assigned_idx``): a new referral is
  assigned to nobody, so it writes no entry; every look-up and the SET_NULL when a user goes
  name one user.

Only the indexes change (SQLite's AlterField would copy the whole table); the model state says
db_index=False.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    (
        "referrals_idempotencyrecord_created_at_00995bb1",
        "referrals_idempotencyrecord",
        "created_at",
    ),
    ("referrals_referral_assigned_to_id_2b1935d9", "referrals_referral", "assigned_to_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_foreign_key_indexes_in_composite_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="idempotencyrecord",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="assigned_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_referrals",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in DROPPED
            ],
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("assigned_to__isnull", False)),
                fields=["assigned_to"],
                name="referral_assigned_idx",
            ),
        ),
    ]
