"""Cases (issue 13): the case model and a nullable link from each request (a right) to its case."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0013_h22_withheld_grounds"),
    ]

    operations = [
        migrations.CreateModel(
            name="RequestCase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reference",
                    models.CharField(
                        editable=False, max_length=20, unique=True, verbose_name="reference"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="created at",
                    ),
                ),
            ],
            options={
                "verbose_name": "case",
                "verbose_name_plural": "cases",
                "ordering": ["-created_at"],
            },
        ),
        migrations.AddField(
            model_name="disclosurerequest",
            name="case",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rights",
                to="requests_app.requestcase",
                verbose_name="case",
            ),
        ),
    ]
