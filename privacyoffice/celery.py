"""The Celery app, bootstrapped the official way: settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacyoffice.settings")

app = Celery("privacyoffice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
