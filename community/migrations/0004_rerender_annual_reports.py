"""Annual report PDFs rendered before reports named people by name only may print a person's
e-mail address (the election results fell back to it). They are put back to pending with an
old status time, so the document sweeper renders them again from the cleaned figures on its
next run; the file stays in place until the new one replaces it."""

from datetime import UTC, datetime

from django.db import migrations

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def rerender(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Document.objects.filter(kind="annual_report", status="ready").update(
        status="pending", attempts=0, status_changed_at=LONG_AGO
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_conference_version"),
        ("documents", "0001_initial"),
    ]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
