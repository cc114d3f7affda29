from django.db import migrations, models


class Migration(migrations.Migration):
    """Signatures stored so far hold their declaration HTML-escaped (the template that wrote
    it escaped the company's name and the signatory's): mark them so, keeping their bytes
    (and so their recorded SHA-256) unchanged; new signatures store plain text."""

    dependencies = [
        ("signees", "0003_answer_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="declaration_format",
            field=models.CharField(
                choices=[("text", "plain text"), ("html_escaped", "HTML-escaped text")],
                default="html_escaped",
                max_length=20,
                verbose_name="format of the declaration",
            ),
        ),
        migrations.AlterField(
            model_name="signature",
            name="declaration_format",
            field=models.CharField(
                choices=[("text", "plain text"), ("html_escaped", "HTML-escaped text")],
                default="text",
                max_length=20,
                verbose_name="format of the declaration",
            ),
        ),
    ]
