"""django-fsm-log's app and model read in the admin's language (privacyoffice/fsm_log_apps.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_japanese_admin_home_names_the_transition_log_in_japanese(client, staff):
    """
    GIVEN a staff user in the Japanese admin
    WHEN  they open the admin home
    THEN  django-fsm-log's app and model are listed under their Japanese names
    """
    client.force_login(staff)
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ja")
    app = next(a for a in response.context["app_list"] if a["app_label"] == "django_fsm_log")
    assert app["name"] == "処理履歴"
    assert [m["name"] for m in app["models"]] == ["処理履歴の記録"]
    assert "Django FSM Log" not in response.content.decode()
