"""The request list's rows render as Django renders them, through a faster path (bench, issue 8)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.utils import translation

from requests_app.models import DisclosureRequest
from tests.factories import DisclosureRequestFactory


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_row_checkbox_is_the_markup_django_renders(language):
    request = DisclosureRequestFactory(reference="PR-<b>\"&'</b>")  # str() is the reference
    model_admin = admin.site._registry[DisclosureRequest]
    with translation.override(language):
        ours = model_admin.action_checkbox(request)
        djangos = admin.ModelAdmin.action_checkbox(model_admin, request)
    assert ours == djangos


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_type_and_state_badges_show_the_labels_django_displays(language):
    request = DisclosureRequestFactory()
    model_admin = admin.site._registry[DisclosureRequest]
    with translation.override(language):
        assert request.get_request_type_display() in model_admin.type_short(request)
        assert request.get_state_display() in model_admin.state_badge(request)


def test_an_unknown_code_shows_as_itself():
    from requests_app.admin_request_list import _choice_label
    from requests_app.models import RequestState

    assert _choice_label(RequestState, "no_such_state") == "no_such_state"


@pytest.mark.django_db
def test_a_row_link_of_a_filtered_list_carries_the_filters_back_as_django_writes_them(
    client, manager
):
    # GIVEN a filtered list WHEN rendered THEN each row links to its page with the list's
    # filters (Django's _changelist_filters), so "back to the list" keeps them.
    from urllib.parse import urlencode

    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
    from django.urls import reverse

    from tests.conftest import client_for

    request = DisclosureRequestFactory(state="verified")
    changelist = reverse("admin:requests_app_disclosurerequest_changelist")
    response = client_for(client, manager).get(changelist, {"queue": "open", "state": "verified"})
    change = reverse("admin:requests_app_disclosurerequest_change", args=[request.pk])
    djangos = add_preserved_filters(
        {
            "preserved_filters": urlencode(
                {"_changelist_filters": urlencode({"queue": "open", "state": "verified"})}
            ),
            "opts": DisclosureRequest._meta,
        },
        change,
    )
    assert f'href="{djangos.replace("&", "&amp;")}"' in response.content.decode()
