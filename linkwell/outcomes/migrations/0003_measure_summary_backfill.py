"""Fill the measure summaries from the responses already stored (one statement, so it is quick
on a large database); response_record keeps them from then on."""

from django.db import migrations

BACKFILL = """
INSERT INTO outcomes_measuresummary
    (episode_id, instrument_code, responses, first_score, latest_score)
SELECT g.episode_id, g.instrument_code, g.n,
    (SELECT COALESCE(r.metric, r.total) FROM outcomes_questionnaireresponse r
     WHERE r.episode_id = g.episode_id AND r.instrument_code = g.instrument_code AND r.complete
       AND (r.metric IS NOT NULL OR r.total IS NOT NULL)
     ORDER BY r.completed_at, r.id LIMIT 1),
    (SELECT COALESCE(r.metric, r.total) FROM outcomes_questionnaireresponse r
     WHERE r.episode_id = g.episode_id AND r.instrument_code = g.instrument_code AND r.complete
       AND (r.metric IS NOT NULL OR r.total IS NOT NULL)
     ORDER BY r.completed_at DESC, r.id DESC LIMIT 1)
FROM (
    SELECT q.episode_id, q.instrument_code, COUNT(*) AS n
    FROM outcomes_questionnaireresponse q
    WHERE q.complete AND (q.metric IS NOT NULL OR q.total IS NOT NULL)
    GROUP BY q.episode_id, q.instrument_code
) g
"""


def backfill(apps, schema_editor):
    MeasureSummary = apps.get_model("outcomes", "MeasureSummary")
    if MeasureSummary.objects.exists():
        return
    schema_editor.execute(BACKFILL)


def empty(apps, schema_editor):
    apps.get_model("outcomes", "MeasureSummary").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0002_measure_summary")]

    operations = [migrations.RunPython(backfill, empty)]
