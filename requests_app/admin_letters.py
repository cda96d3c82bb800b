from django.contrib import admin

from . import models

for _model in (models.LetterTemplate, models.Letter, models.DeadlineAlert):
    admin.site.register(_model)
