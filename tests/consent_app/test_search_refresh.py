"""Search columns written under older rules are rewritten by refresh_customer_search."""

from io import StringIO

import pytest
from django.core.management import call_command

from consent_app import selectors
from consent_app.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_customer_written_before_variant_folding_is_found_after_the_refresh(staff):
    # GIVEN a customer whose search column holds 髙橋 unfolded (as written before issue 14)
    customer = CustomerFactory(by=staff, family_name="髙橋", given_name="一郎")
    Customer.objects.filter(pk=customer.pk).update(
        search_name="髙橋一郎|", search_grams="髙 橋 一 郎 髙橋 橋一 一郎", search_phone="0"
    )
    assert not selectors.customer_search_queryset(Customer.objects.all(), "高橋").exists()
    out = StringIO()

    # WHEN the command runs
    call_command("refresh_customer_search", stdout=out)

    # THEN the typed common form finds them again, and a second run has nothing left to do
    assert list(selectors.customer_search_queryset(Customer.objects.all(), "高橋")) == [customer]
    assert out.getvalue().startswith("1 ")
    call_command("refresh_customer_search", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("0 ")
