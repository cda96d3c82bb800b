"""Cases (issue 13): every request (right) belongs to a case."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0013_h23_cases_from_requests"),
    ]

    operations = [
        migrations.AlterField(
            model_name="disclosurerequest",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rights",
                to="requests_app.requestcase",
                verbose_name="case",
            ),
        ),
    ]
