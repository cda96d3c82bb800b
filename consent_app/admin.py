from django.contrib import admin

from . import models

for _model in (
    models.Customer,
    models.PurposeOfUse,
    models.PrivacyNotice,
    models.Recipient,
    models.ConsentFlag,
    models.ConsentEvent,
    models.ProvisionSuppression,
    models.ProvisionBatch,
    models.ProvisionRecord,
):
    admin.site.register(_model)
