"""Fewer B-trees written with every new person and consent.

- ``created_at`` loses its index on people and consents: nothing looks either up, or orders
  them, by when the row was made.
- ``merged_into`` is indexed only where it is set (``person_merged_into_idx``): every look-up
  and the PROTECT check name one record, and a new record, merged into nothing, writes no entry
  (the full index held one NULL entry per person on the register).

Only the indexes change (SQLite's AlterField would copy the whole table); the model state says
db_index=False.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("people_person_created_at_b41f0b4f", "people_person", "created_at"),
    ("people_consent_created_at_4d05aaff", "people_consent", "created_at"),
    ("people_person_merged_into_id_138bbee4", "people_person", "merged_into_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_consent_person_index_in_consent_current_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_records",
                        to="people.person",
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
            model_name="person",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="person_merged_into_idx",
            ),
        ),
    ]
