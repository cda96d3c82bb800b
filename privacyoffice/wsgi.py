import os

from django.core.wsgi import get_wsgi_application

from consent_app.kanji_variants import variant_table

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacyoffice.settings")
application = get_wsgi_application()
# Read Unihan's variant table once per web worker, at boot: otherwise the first customer search
# each worker serves waits for it.
variant_table()
