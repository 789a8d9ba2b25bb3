"""The consent's own person index goes: consent_current_idx (person, purpose, -recorded_at)
leads with it and serves every look-up by person, so it was one more B-tree written with every
consent.

Only the index is dropped (SQLite's AlterField would copy the whole table); the model state says
db_index=False.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "people_consent_person_id_a757a92f"',
                    'CREATE INDEX "people_consent_person_id_a757a92f" '
                    'ON "people_consent" ("person_id")',
                ),
            ],
        ),
    ]
