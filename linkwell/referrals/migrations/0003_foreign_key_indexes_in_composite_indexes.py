"""Three foreign keys' own indexes go, each the first column of an index that serves the same
look-ups: the referral's team (referral_inbox_idx), its referring organisation
(referral_org_idx), and the idempotency record's user (the unique (user, key) constraint). Each
was one more B-tree written with every referral.

Only the indexes are dropped (SQLite's AlterField would copy the whole table); the model state
says db_index=False.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("referrals_referral", "team_id", "referrals_referral_team_id_2df18a47"),
    (
        "referrals_referral",
        "referring_organisation_id",
        "referrals_referral_referring_organisation_id_ad2098ee",
    ),
    ("referrals_idempotencyrecord", "user_id", "referrals_idempotencyrecord_user_id_ba333d96"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("referrals", "0002_status_change_snomed_code"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="idempotencyrecord",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="referring_organisation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals_made",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="team",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="accounts.team",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
        ),
    ]
