"""Normalisation: one spelling per name, phone, e-mail, postal code and customer number."""

import pytest

from consent_app.normalize import (
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
)


@pytest.mark.parametrize(
    "typed",
    ["やまだ たろう", "ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", "やまだタロウ"],
)
def test_every_kana_spelling_of_a_name_folds_to_full_width_katakana(typed):
    assert normalize_name(typed) == "ヤマダタロウ"


def test_kanji_names_lose_their_spaces_and_keep_their_characters():
    assert normalize_name("山田　太郎") == "山田太郎"


def test_full_width_latin_letters_fold_to_upper_case_ascii():
    assert normalize_name("ｓｍｉｔｈ　John") == "SMITHJOHN"


def test_voiced_half_width_kana_compose_into_one_character():
    assert normalize_name("ｶﾞｯｺｳ") == "ガッコウ"


@pytest.mark.parametrize("typed", ["03-1234-5678", "０３（１２３４）５６７８", "03 1234 5678"])
def test_phone_numbers_keep_only_their_digits(typed):
    assert normalize_phone(typed) == "0312345678"


def test_email_is_trimmed_and_lower_cased_including_full_width_input():
    assert normalize_email("  Ｔａｒｏ@Example.JP ") == "taro@example.jp"


@pytest.mark.parametrize("typed", ["1000005", "100-0005", "〒100-0005", "１００－０００５"])
def test_postal_codes_take_the_nnn_nnnn_form(typed):
    assert normalize_postal_code(typed) == "100-0005"


def test_customer_numbers_are_upper_case_ascii():
    assert normalize_customer_number("ｃ０００１２") == "C00012"


def test_empty_input_gives_empty_strings():
    assert normalize_name("") == normalize_phone("") == normalize_email("") == ""


def test_skipping_h2z_after_nfkc_changes_no_half_width_kana_spelling():
    # normalize_name calls jaconv.h2z only when a half-width form survives NFKC (none does):
    # every half-width character, alone and before each sound mark, folds as with h2z always on.
    import unicodedata

    import jaconv

    def with_h2z_always(value):
        text = jaconv.h2z(unicodedata.normalize("NFKC", value), kana=True, ascii=False, digit=False)
        return jaconv.hira2kata(text).replace(" ", "").replace("\u3000", "").upper()

    half_width = [chr(c) for c in range(0xFF61, 0xFFA0)]
    spellings = half_width + [c + mark for c in half_width for mark in ("ﾞ", "ﾟ")]
    assert [normalize_name(s) for s in spellings] == [with_h2z_always(s) for s in spellings]
