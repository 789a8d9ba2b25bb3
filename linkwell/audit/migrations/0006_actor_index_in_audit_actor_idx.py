"""The actor's own index goes: audit_actor_idx (actor, id) leads with it and serves every look-up
by actor, so it was one more B-tree written with every audit row.

Only the index is dropped (SQLite's AlterField would copy the whole table and lose its append-only
triggers); the model state says db_index=False.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_several_chains"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "audit_auditevent_actor_id_270bb4b7"',
                    'CREATE INDEX "audit_auditevent_actor_id_270bb4b7" '
                    'ON "audit_auditevent" ("actor_id")',
                ),
            ],
        ),
    ]
