from django.contrib import admin

from . import models

for _model in (models.DisclosureRequest, models.IdentityDocument, models.DeadlineRule):
    admin.site.register(_model)
