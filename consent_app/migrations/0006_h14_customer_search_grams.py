"""Issue 14: search by 1–2 characters, kanji variants, phones in E.164.

- search_grams (the one- and two-character pieces of search_name) and, on PostgreSQL, a GIN
  index on string_to_array(search_grams, ' '): pg_trgm cannot serve a pattern under three
  characters, so あ or 中島 scanned the whole table.
- Every customer's search columns recomputed: names now fold kanji variants (髙 → 高), Latin
  accents and apostrophes; phones are stored in E.164 (+819012345678).
"""

from django.db import migrations, models

from consent_app.services import SEARCH_INPUTS as _INPUTS
from consent_app.services import search_columns

_BATCH = 5_000


def recompute_search_columns(apps, schema_editor):
    Customer = apps.get_model("consent_app", "Customer")
    last = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last, erased_at__isnull=True)
            .order_by("pk")
            .only("pk", *_INPUTS)[:_BATCH]
        )
        if not batch:
            return
        for customer in batch:
            for name, value in search_columns(
                **{name: getattr(customer, name) for name in _INPUTS}
            ).items():
                setattr(customer, name, value)
        Customer.objects.bulk_update(
            batch, ["search_name", "search_grams", "search_phone", "search_email"]
        )
        last = batch[-1].pk


def create_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_grams_gin "
        "ON consent_app_customer USING gin (string_to_array(search_grams, ' '))"
    )


def drop_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_search_grams_gin")


class Migration(migrations.Migration):
    dependencies = [
        ('consent_app', '0005_customer_erased_index'),
        
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_grams",
            field=models.TextField(blank=True, editable=False, verbose_name="search pieces"),
        ),
        migrations.RunPython(recompute_search_columns, migrations.RunPython.noop),
        migrations.RunPython(create_grams_index, drop_grams_index),
    ]
