"""Normalisation: one spelling per name, phone, e-mail, postal code and customer number."""

import pytest

from consent_app import kanji_variants
from consent_app.normalize import (
    name_grams,
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


@pytest.mark.parametrize(
    "typed",
    ["03-1234-5678", "０３（１２３４）５６７８", "03 1234 5678", "+81 3 1234 5678"],
)
def test_phone_numbers_take_one_e164_form_however_they_are_written(typed):
    assert normalize_phone(typed) == "+81312345678"


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234-5678",
        "+81 90 1234 5678",
        "０９０‐１２３４‐５６７８",  # U+2010 hyphen, as a Japanese IME types it
        "０９０－１２３４－５６７８",  # full-width hyphen-minus
        "090ー1234ー5678",  # the katakana long vowel mark
        "(+81) 90-1234-5678",
    ],
)
def test_a_mobile_number_is_one_number_in_every_spelling_a_clerk_types(typed):
    assert normalize_phone(typed) == "+819012345678"


def test_a_foreign_number_keeps_its_own_country_code():
    assert normalize_phone("+1 (415) 555-2671") == "+14155552671"


def test_what_is_not_a_possible_number_keeps_its_digits():
    assert normalize_phone("12-34") == "1234"


@pytest.mark.parametrize(
    ("registered", "typed"),
    [("髙橋", "高橋"), ("山﨑", "山崎"), ("𠮷田", "吉田")],
)
def test_kanji_variants_fold_to_one_form_both_ways(registered, typed):
    assert normalize_name(registered) == normalize_name(typed)


@pytest.mark.parametrize(("group", "source"), kanji_variants.JAPANESE_SUPPLEMENT)
def test_each_japanese_supplement_group_folds_to_its_everyday_form(group, source):
    """Each pair Unihan lacks folds to one form, the new one a clerk types (辺, not 邊)."""
    assert source
    assert {normalize_name(char) for char in group} == {group[0]}


def test_the_supplement_keeps_different_names_apart():
    # 斉藤 and 斎藤 are different family names: each has its own old form, never the other's.
    assert normalize_name("齊藤") == normalize_name("斉藤") != normalize_name("斎藤")
    assert normalize_name("齋藤") == normalize_name("斎藤")


def test_different_kanji_stay_different():
    assert normalize_name("高橋") != normalize_name("髙田")
    # Unihan links 寡 to 關 only on a Cantonese dictionary's word: 関 must not find 寡 (issue 14).
    assert normalize_name("関") == normalize_name("關") != normalize_name("寡")
    assert normalize_name("乾") != normalize_name("幹")  # Chinese simplification is not folded


@pytest.mark.parametrize("typed", ["José O'Brien", "Jose OBrien", "JOSÉ O’BRIEN", "jose o-brien"])
def test_latin_names_fold_without_accents_and_apostrophes(typed):
    assert normalize_name(typed) == "JOSEOBRIEN"


def test_kana_keep_their_sound_marks_when_latin_accents_are_stripped():
    assert normalize_name("ガッコウ José") == "ガッコウJOSE"


def test_name_grams_are_the_one_and_two_character_pieces_of_each_part():
    expected = ["中", "島", "中島", "ナ", "カ", "ナカ"]
    assert sorted(name_grams("中島|ナカ").split()) == sorted(expected)


def test_name_grams_never_span_the_kanji_and_the_reading():
    assert "島ナ" not in name_grams("中島|ナカジマ").split()


def test_email_is_trimmed_and_lower_cased_including_full_width_input():
    assert normalize_email("  Ｔａｒｏ@Example.JP ") == "taro@example.jp"


@pytest.mark.parametrize(
    "typed", ["1000005", "100-0005", "〒100-0005", "１００－０００５", "〒１００‐０００５"]
)
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
