"""Finding a customer however staff type it, and ranking candidates for identity checks."""

import datetime

import pytest

from consent_app import selectors, services
from consent_app.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def taro(staff):
    return CustomerFactory(
        by=staff,
        number="C0001234",
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        phone="03-1234-5678",
        email="Taro.Yamada@example.jp",
    )


@pytest.fixture
def hanako(staff):
    return CustomerFactory(
        by=staff,
        number="C0009999",
        family_name="佐藤",
        given_name="花子",
        family_name_kana="サトウ",
        given_name_kana="ハナコ",
        phone="090-0000-1111",
        email="hanako@example.jp",
    )


def search(term):
    return list(selectors.customer_search_queryset(Customer.objects.all(), term))


@pytest.mark.parametrize(
    "term",
    [
        "山田",
        "山田 太郎",
        "山田　太郎",
        "やまだ",
        "ヤマダ タロウ",
        "ﾔﾏﾀﾞ",
        "たろう",
        "03-1234-5678",
        "0312345678",
        "０３－１２３４－５６７８",
        "taro.yamada@example.jp",
        "TARO.YAMADA@EXAMPLE.JP",
        "C0001234",
        "c0001234",
        "ｃ０００１２３４",
    ],
)
def test_a_customer_is_found_by_any_spelling_of_name_phone_email_or_number(taro, hanako, term):
    assert search(term) == [taro]


@pytest.mark.parametrize(
    "term",
    [
        "田",  # one kanji
        "山田",  # a two-kanji family name (too short for trigrams)
        "やま",
        "ﾀﾛ",
        "+81 3 1234 5678",
        "+81-3-1234-5678",
        "０３‐１２３４‐５６７８",  # IME hyphen U+2010
        "03ー1234ー5678",  # katakana long vowel mark as a dash
        "〒150-0041",
        "150-0041",
        "1500041",
        "〒１５０－００４１",
    ],
)
def test_short_names_international_phones_and_postal_codes_find_the_customer(
    taro, hanako, term, staff
):
    services.customer_update(customer=taro, changes={"postal_code": "150-0041"}, by=staff)
    assert search(term) == [taro]


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("髙橋", "高橋"),
        ("高橋", "髙橋"),
        ("山﨑", "山崎"),
        ("山崎", "山﨑"),
        ("𠮷田", "吉田"),
        # Not linked by Unihan: the Japanese supplement (kanji_variants.JAPANESE_SUPPLEMENT).
        ("渡邉", "渡辺"),
        ("渡邊", "渡邉"),
        ("渡辺", "渡邊"),
        ("澤田", "沢田"),
        ("小濱", "小浜"),
    ],
)
def test_a_variant_kanji_finds_the_name_registered_with_the_other_form(staff, registered, typed):
    customer = CustomerFactory(by=staff, family_name=registered, given_name="一郎")
    assert search(typed) == [customer]
    assert search(f"{typed}一郎") == [customer]


def test_a_latin_name_is_found_without_its_accent_or_apostrophe(staff):
    customer = CustomerFactory(by=staff, family_name="O'Brien", given_name="José")
    assert search("obrien jose") == [customer]
    assert search("O’Brien") == [customer]


def test_a_two_character_search_with_no_match_finds_nobody(taro, hanako):
    assert search("中島") == []


@pytest.mark.postgres
def test_the_short_search_can_be_served_by_the_pieces_index(taro, hanako):
    # GIVEN a two-kanji term (pg_trgm cannot serve it) WHEN its SQL is planned with sequential
    # scans priced out THEN the plan reads the GIN index on the name's pieces: the query's
    # expression is the index's own (a mismatch would leave only a Seq Scan).
    from django.db import connection

    queryset = selectors.customer_search_queryset(Customer.objects.all(), "山田")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Nor a walk of the number index in the list's order, filtering every row (what the
        # planner may pick on a tiny table): only a bitmap scan of an index that answers the
        # term itself is left.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_search_grams_gin" in plan


def test_a_search_never_matches_across_the_kanji_name_and_the_reading(taro):
    assert search("太郎ヤマダ") == []


def test_a_phone_fragment_shorter_than_a_number_does_not_match_everyone(taro, hanako):
    assert search("03") == []


def test_an_empty_search_returns_everyone(taro, hanako):
    assert len(search("  ")) == 2


def test_an_erased_customer_is_no_longer_found_by_name(taro, staff):
    services.customer_erase(customer=taro, by=staff, request_reference="PR-2026-000020")
    assert search("山田") == []
    assert search("C0001234") == [taro]  # the tombstone is still found by its number


def test_candidates_rank_a_full_match_first(taro, hanako, staff):
    namesake = CustomerFactory(
        by=staff,
        family_name="山田",
        given_name="次郎",
        family_name_kana="ヤマダ",
        given_name_kana="ジロウ",
        date_of_birth=datetime.date(1950, 1, 1),
        postal_code="530-0001",
    )
    found = selectors.customer_candidates(
        name="山田 太郎",
        kana="やまだ たろう",
        date_of_birth=taro.date_of_birth,
        postal_code="1000005",
    )
    assert found[0] == taro
    assert namesake not in found[:1]
    assert hanako in found  # same postal code: a weak candidate, still listed


def test_candidates_need_at_least_one_criterion(taro):
    assert selectors.customer_candidates() == []


def test_candidates_never_include_erased_customers(taro, staff):
    dob = taro.date_of_birth
    services.customer_erase(customer=taro, by=staff, request_reference="PR-2026-000021")
    assert selectors.customer_candidates(name="山田太郎", date_of_birth=dob) == []


def test_candidates_are_limited(staff):
    for _ in range(5):
        CustomerFactory(by=staff, postal_code="100-0005")
    assert len(selectors.customer_candidates(postal_code="100-0005", limit=3)) == 3


@pytest.mark.parametrize(
    ("term", "broad"),
    [
        ("あ", True),
        ("ｱ", True),
        ("田", True),
        ("中島", False),
        ("0", False),
        ("a@b", False),
        ("", False),
    ],
)
def test_only_a_one_character_name_counts_as_a_broad_search(term, broad):
    assert selectors.customer_search_is_broad(term) is broad
