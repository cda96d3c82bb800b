"""Reads on customers and consent: searches, identity-verification candidates, ledger replay."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)

from .models import ConsentEvent, ConsentFlag, Customer, ProvisionSuppression
from .normalize import (
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    phone_digits,
)

# Digits with the separators people type in a phone number: "03-1234-5678", "(03) 1234 5678",
# "+81 90 …", and the dashes a Japanese IME gives after NFKC (‐ ‑ ‒ – — ― − ー).
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()‐‑‒–—―−ー.]+$")
# A phone search needs enough digits to be a number, not a fragment of a customer number.
_MIN_PHONE_DIGITS = 6
# A Japanese postal code: 100-0005, 〒100-0005, 〒1000005 (full-width digits fold under NFKC).
_POSTAL_LIKE = re.compile(r"^〒?\s*\d{3}[\-‐‑‒–—―−ー]?\d{4}$")
# pg_trgm serves a LIKE pattern of at least this many characters; shorter ones use search_grams.
TRIGRAM_MIN_CHARS = 3


def _grams_contain(piece: str) -> Q:
    """search_grams holds `piece` (a one- or two-character name fragment), through its GIN index.

    The expression is the index's own (migration 0006: `string_to_array(search_grams, ' ')`), so
    the planner can use it; a customer whose name holds the fragment has it among its pieces.
    """
    return Q(_search_grams_array__contains=[piece])


def _with_grams_alias(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    return queryset.alias(
        _search_grams_array=Func(
            F("search_grams"),
            Value(" "),
            function="string_to_array",
            output_field=ArrayField(TextField()),
        )
    )


def customer_search_queryset(queryset: QuerySet[Customer], term: str) -> QuerySet[Customer]:
    """Filter `queryset` by one search term, whichever way staff typed it.

    Matches the customer number exactly (any width, any case); the e-mail exactly (case-folded);
    the phone number in its canonical E.164 form ("+81 90 1234 5678" finds "090-1234-5678",
    full-width digits and IME dashes too); the postal code (with or without 〒 and hyphen); and
    the name (kanji or kana reading; hiragana, katakana, half-width alike; kanji variants,
    Latin accents and apostrophes folded) as a substring of the normalised search column. Each
    branch hits an index: the unique number, the phone, e-mail and postal-code b-trees, the
    pg_trgm GIN index on search_name for 3+ characters, the GIN index on the name's pieces
    (search_grams) for 1–2 characters.
    """
    term = (term or "").strip()
    if not term:
        return queryset
    folded = unicodedata.normalize("NFKC", term)
    condition = Q(number=normalize_customer_number(term))
    if "@" in folded:
        return queryset.filter(condition | Q(search_email=normalize_email(term)))
    if _POSTAL_LIKE.match(folded):
        condition |= Q(postal_code=normalize_postal_code(folded))
    if _PHONE_LIKE.match(folded.lstrip("〒")):
        if len(phone_digits(folded)) >= _MIN_PHONE_DIGITS:
            condition |= Q(search_phone=normalize_phone(folded))
        return queryset.filter(condition)
    # "|" separates the kanji name from the reading in search_name: never part of a term.
    name = normalize_name(term).replace("|", "")
    if not name:
        return queryset.filter(condition)
    if len(name) >= TRIGRAM_MIN_CHARS or connection.vendor != "postgresql":
        return queryset.filter(condition | Q(search_name__contains=name))
    return _with_grams_alias(queryset).filter(condition | _grams_contain(name))


def customer_search_is_broad(term: str) -> bool:
    """True when `term` is a one-character name, which a large share of customers match (あ).

    For the bounded count: such matches are dense, so the first 1,001 are read in number order
    off the number index; any other term's matches are few, read through its own index (a
    bitmap scan that stops after 1,001), where an ORDER BY would sort every match first.
    """
    folded = unicodedata.normalize("NFKC", (term or "").strip())
    if not folded or "@" in folded or _PHONE_LIKE.match(folded.lstrip("〒")):
        return False
    return len(normalize_name(folded).replace("|", "")) == 1


def customer_candidates(
    *,
    name: str = "",
    kana: str = "",
    date_of_birth: date | None = None,
    postal_code: str = "",
    address: str = "",
    limit: int = 10,
) -> list[Customer]:
    """Customers who may be the requester, best match first (for identity verification).

    A candidate matches on at least one of: the name (kanji), the kana reading, the date of
    birth, the postal code. The score weighs the strong identifiers (name, reading, date of
    birth) above the address ones; staff still decide, the list only ranks. Erased customers
    are never candidates: there is nothing left to verify against.
    """
    name_n = normalize_name(name)
    kana_n = normalize_name(kana)
    postal = normalize_postal_code(postal_code)
    address_n = normalize_name(address)

    any_of = Q()
    score_parts = []
    if name_n:
        any_of |= Q(search_name__contains=name_n)
        score_parts.append(_points(Q(search_name__startswith=f"{name_n}|"), 4))
        score_parts.append(_points(Q(search_name__contains=name_n), 3))
    if kana_n:
        any_of |= Q(search_name__contains=f"|{kana_n}")
        score_parts.append(_points(Q(search_name__endswith=f"|{kana_n}"), 3))
        score_parts.append(_points(Q(search_name__contains=f"|{kana_n}"), 2))
    if date_of_birth:
        any_of |= Q(date_of_birth=date_of_birth)
        score_parts.append(_points(Q(date_of_birth=date_of_birth), 4))
    if postal:
        any_of |= Q(postal_code=postal)
        score_parts.append(_points(Q(postal_code=postal), 2))
    if not score_parts:
        return []
    if address_n and (name_n or kana_n or date_of_birth or postal):
        # The address only adds to the score of someone already matching: it is too loose alone.
        score_parts.append(_points(Q(address__contains=address.strip()[:20]), 1))

    score: Expression = score_parts[0]
    for part in score_parts[1:]:
        score = score + part
    return list(
        Customer.objects.filter(erased_at__isnull=True)
        .filter(any_of)
        .select_related("dealer")
        .annotate(match_score=score)
        .order_by("-match_score", "number")[: max(1, min(limit, 100))]
    )


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def consent_ledger_for_customer(*, customer: Customer) -> QuerySet[ConsentEvent]:
    """A customer's ledger, oldest first (the order it is replayed in)."""
    return (
        ConsentEvent.objects.filter(customer=customer)
        .select_related("purpose", "recorded_by", "notice")
        .order_by("occurred_at", "id")
    )


def consent_flags_for_customer(*, customer: Customer) -> QuerySet[ConsentFlag]:
    return (
        ConsentFlag.objects.filter(customer=customer)
        .select_related("purpose", "last_event")
        .order_by("purpose__sort_order", "channel")
    )


def consent_replay(*, customer: Customer) -> dict[tuple[int, str], str]:
    """The flags the ledger implies: (purpose id, channel) → state of the last event."""
    state: dict[tuple[int, str], str] = {}
    for purpose_id, channel, new_state in (
        ConsentEvent.objects.filter(customer=customer)
        .order_by("occurred_at", "id")
        .values_list("purpose_id", "channel", "new_state")
    ):
        state[(purpose_id, channel)] = new_state
    return state


def provision_stopped_for_flag() -> ExpressionWrapper:
    """An annotation for ConsentFlag rows: True where the flag is a third-party provision
    consent that a suppression in force for all recipients overrides (停止中). One indexed
    EXISTS per row (suppression_customer_idx), not a query per flag."""
    stopped = Q(purpose__is_third_party_provision=True) & Exists(
        ProvisionSuppression.objects.filter(
            customer_id=OuterRef("customer_id"), lifted_at__isnull=True, recipient__isnull=True
        )
    )
    return ExpressionWrapper(stopped, output_field=BooleanField())
