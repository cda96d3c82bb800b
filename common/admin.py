"""Admin helpers every app's admin uses: read-only admins and the form page of a service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise

# What an admin mixin extends: a ModelAdmin for the type checker (its methods and attributes are
# the admin's), nothing at run time (the mixin comes before admin.ModelAdmin in its admin's bases).
if TYPE_CHECKING:
    ModelAdminMixin = admin.ModelAdmin
else:
    ModelAdminMixin = object


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes here through the generic admin forms."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def form_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    form: forms.BaseForm,
    *,
    template: str,
    title: str | Promise,
    submit: str | Promise,
    **extra: Any,
) -> TemplateResponse:
    """One form that feeds a service, on an admin page (`template` extends the app's form page):
    the admin's context, the form, its submit label and media, and what the template needs."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "submit_label": submit,
        "media": model_admin.media + form.media,
        **extra,
    }
    return TemplateResponse(request, template, context)
