"""Deterministic, realistic-looking Japanese personal data for the loader.

Every value is a pure function of the row number, so a load is reproducible and the benchmark
can name a customer it knows exists (for the searches) without querying for one.
"""

from __future__ import annotations

import datetime as dt

# (kanji, katakana, romaji): common surnames and given names.
SURNAMES: list[tuple[str, str, str]] = [
    ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"), ("伊藤", "イトウ", "ito"), ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"), ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"), ("加藤", "カトウ", "kato"), ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"), ("佐々木", "ササキ", "sasaki"), ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"), ("井上", "イノウエ", "inoue"), ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"), ("斎藤", "サイトウ", "saito"), ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"), ("森", "モリ", "mori"), ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"), ("阿部", "アベ", "abe"), ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"), ("中島", "ナカジマ", "nakajima"),
    ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"), ("前田", "マエダ", "maeda"), ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"), ("藤田", "フジタ", "fujita"), ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"), ("村上", "ムラカミ", "murakami"), ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"), ("坂本", "サカモト", "sakamoto"), ("福田", "フクダ", "fukuda"),
    ("太田", "オオタ", "ota"), ("西村", "ニシムラ", "nishimura"), ("藤井", "フジイ", "fujii"),
    ("金子", "カネコ", "kaneko"), ("岡本", "オカモト", "okamoto"), ("藤原", "フジワラ", "fujiwara"),
    ("中野", "ナカノ", "nakano"), ("三浦", "ミウラ", "miura"), ("原田", "ハラダ", "harada"),
]  # fmt: skip
GIVEN_NAMES: list[tuple[str, str, str]] = [
    ("太郎", "タロウ", "taro"), ("花子", "ハナコ", "hanako"), ("翔太", "ショウタ", "shota"),
    ("陽菜", "ヒナ", "hina"), ("大輔", "ダイスケ", "daisuke"), ("美咲", "ミサキ", "misaki"),
    ("健太", "ケンタ", "kenta"), ("結衣", "ユイ", "yui"), ("拓也", "タクヤ", "takuya"),
    ("愛", "アイ", "ai"), ("直樹", "ナオキ", "naoki"), ("さくら", "サクラ", "sakura"),
    ("誠", "マコト", "makoto"), ("葵", "アオイ", "aoi"), ("浩", "ヒロシ", "hiroshi"),
    ("由美", "ユミ", "yumi"), ("隆", "タカシ", "takashi"), ("恵子", "ケイコ", "keiko"),
    ("学", "マナブ", "manabu"), ("真由美", "マユミ", "mayumi"), ("和也", "カズヤ", "kazuya"),
    ("彩", "アヤ", "aya"), ("剛", "ツヨシ", "tsuyoshi"), ("舞", "マイ", "mai"),
    ("修", "オサム", "osamu"), ("智子", "トモコ", "tomoko"), ("蓮", "レン", "ren"),
    ("凛", "リン", "rin"), ("悠真", "ユウマ", "yuma"), ("芽衣", "メイ", "mei"),
    ("大翔", "ヒロト", "hiroto"), ("陽葵", "ヒマリ", "himari"), ("湊", "ミナト", "minato"),
    ("紬", "ツムギ", "tsumugi"), ("樹", "イツキ", "itsuki"), ("美月", "ミツキ", "mitsuki"),
    ("颯太", "ソウタ", "sota"), ("琴音", "コトネ", "kotone"), ("健一", "ケンイチ", "kenichi"),
    ("裕子", "ユウコ", "yuko"),
]  # fmt: skip
# (prefecture, city and street, first digit of its postal codes)
ADDRESSES: list[tuple[str, str, str]] = [
    ("東京都", "千代田区丸の内", "1"), ("東京都", "世田谷区三軒茶屋", "1"),
    ("神奈川県", "横浜市中区山下町", "2"), ("埼玉県", "さいたま市浦和区高砂", "3"),
    ("千葉県", "千葉市中央区富士見", "2"), ("大阪府", "大阪市北区梅田", "5"),
    ("愛知県", "名古屋市中村区名駅", "4"), ("福岡県", "福岡市博多区博多駅前", "8"),
    ("北海道", "札幌市中央区北一条西", "0"), ("宮城県", "仙台市青葉区一番町", "9"),
    ("京都府", "京都市下京区四条通", "6"), ("兵庫県", "神戸市中央区三宮町", "6"),
]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.co.jp", "example.ne.jp", "example.jp"]

# A multiplier coprime with 10**8: i -> (i * K) % 10**8 is a bijection, so phone numbers derived
# from it are unique for the first hundred million customers yet look random.
_SCRAMBLE = 2_654_435_761


def person(i: int) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """The (surname, given name) of customer i; every combination recurs, like real names."""
    return SURNAMES[(i * 7) % len(SURNAMES)], GIVEN_NAMES[(i // len(SURNAMES)) % len(GIVEN_NAMES)]


def phone(i: int) -> str:
    x = (i * _SCRAMBLE) % 100_000_000
    prefix = ("090", "080", "070", "03", "06")[i % 5]
    if len(prefix) == 2:  # landline: 03-XXXX-XXXX
        return f"{prefix}-{x // 10_000:04d}-{x % 10_000:04d}"
    return f"{prefix}-{x // 10_000:04d}-{x % 10_000:04d}"


def email(i: int) -> str:
    (_, _, family), (_, _, given) = person(i)
    return f"{given}.{family}{i}@{EMAIL_DOMAINS[i % len(EMAIL_DOMAINS)]}"


def postal_code(i: int) -> str:
    prefix = ADDRESSES[i % len(ADDRESSES)][2]
    x = (i * _SCRAMBLE) % 1_000_000
    return f"{prefix}{x // 10_000:02d}-{x % 10_000:04d}"


def address(i: int) -> tuple[str, str]:
    pref, street, _ = ADDRESSES[i % len(ADDRESSES)]
    return pref, f"{street}{i % 9 + 1}-{i % 30 + 1}-{i % 20 + 1}"


def date_of_birth(i: int) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=(i * 7919) % (365 * 65))


def customer_number(i: int) -> str:
    return f"C{i + 1:08d}"


def mix(*values: int) -> int:
    """A cheap deterministic hash of a few integers to [0, 1000)."""
    h = 0
    for v in values:
        h = (h * 1_000_003 + v * 2_654_435_761 + 12_345) % 4_294_967_296
    return (h >> 7) % 1000
