"""Guards the role walk cannot see from status codes alone: what a refused role can still do."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = [pytest.mark.security, pytest.mark.django_db]


def _customer_form(customer, **changes) -> dict:
    data = {
        "family_name": customer.family_name,
        "given_name": customer.given_name,
        "family_name_kana": customer.family_name_kana,
        "given_name_kana": customer.given_name_kana,
        "postal_code": customer.postal_code,
        "prefecture": customer.prefecture,
        "address": customer.address,
        "phone": customer.phone,
        "email": customer.email,
        "date_of_birth": customer.date_of_birth.isoformat(),
        "preferred_language": customer.preferred_language,
        "dealer": "",
        "change_reason": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", ["auditor", "staff", "manager"])
def test_no_role_changes_a_customer_through_a_past_version_page(client, request, persona):
    """simple-history's version page saves a POST after checking only the view permission."""
    user = request.getfixturevalue(persona)
    customer = f.CustomerFactory(by=user)
    version = customer.history.order_by("history_id").first()
    f.login_with_second_factor(client, user)
    url = reverse(
        "admin:consent_app_customer_simple_history", args=[customer.pk, version.history_id]
    )
    response = client.post(url, _customer_form(customer, address="改ざん市1-1"))
    customer.refresh_from_db()
    assert response.status_code == 403
    assert customer.address != "改ざん市1-1"
