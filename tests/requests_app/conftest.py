"""Fixtures of the request workflow tests: customers made through the consent services."""

from __future__ import annotations

import itertools

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def make_customer(db):
    """Create a customer through consent_app's own service (normalised search columns, history)."""
    from consent_app.services import customer_create

    def make(**fields):
        fields.setdefault("number", f"C{next(_numbers):07d}")
        fields.setdefault("family_name", "山田")
        fields.setdefault("given_name", "太郎")
        fields.setdefault("family_name_kana", "ヤマダ")
        fields.setdefault("given_name_kana", "タロウ")
        fields.setdefault("postal_code", "100-0005")
        fields.setdefault("address", "東京都千代田区丸の内1-1-1")
        fields.setdefault("phone", "03-1234-5678")
        fields.setdefault("email", "taro@example.jp")
        return customer_create(by=None, **fields)

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas are created with a password in almost every test here; Argon2 (the
    # production hasher) would make each of these tests take about a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
