from django.contrib import admin

from . import models

for _model in (
    models.DisclosureRequest,
    models.IdentityDocument,
    models.DeadlineRule,
    models.LetterTemplate,
    models.Letter,
    models.DeadlineAlert,
):
    admin.site.register(_model)
