"""Japanese formats for the staff UI, as Japanese business documents write them.

Django's own `ja` module already writes dates as 2026年11月24日; this one adds what it leaves
unset or what our staff read differently:
- times as 09:05 (zero-padded 24-hour clock), with a space between date and time, as in logs;
- input formats: Django's `ja` defines none, so without these a Japanese form would fall back to
  the global list with its US month/day orders (10/11/2026). The first is how a date input and
  the admin's calendar write a date: 2026年11月24日, zero-padded (2026年01月05日) because the
  admin's JavaScript strftime knows no unpadded month or day; it reads back 2026年1月5日 too, as
  well as 2026/11/24 (the way Japanese Excel writes dates) and ISO 2026-11-24, so what a clerk
  types or pastes is accepted. The calendar reads 年月日 back through
  privacyoffice/static/privacyoffice/japanese_dates.js.
"""

# Output (Django date format syntax).
DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"  # one form in the Japanese UI: never 2026/11/24
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
# Calendars in Japan start the week on Sunday.
FIRST_DAY_OF_WEEK = 0

# Input (strftime syntax).
DATE_INPUT_FORMATS = [
    "%Y年%m月%d日",  # 2026年11月24日 (and 2026年1月5日)
    "%Y/%m/%d",  # 2026/11/24
    "%Y-%m-%d",  # 2026-11-24
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
    "%H:%M",  # 14:30
]
DATETIME_INPUT_FORMATS = [
    "%Y年%m月%d日 %H:%M:%S",  # 2026年11月24日 14:30:59
    "%Y年%m月%d日 %H:%M",  # 2026年11月24日 14:30
    "%Y/%m/%d %H:%M:%S",  # 2026/11/24 14:30:59
    "%Y/%m/%d %H:%M:%S.%f",  # 2026/11/24 14:30:59.000200
    "%Y/%m/%d %H:%M",  # 2026/11/24 14:30
    "%Y-%m-%d %H:%M:%S",  # 2026-11-24 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-11-24 14:30:59.000200
    "%Y-%m-%d %H:%M",  # 2026-11-24 14:30
]

# Numbers: 1,234,567.8 (Japanese uses the same separators as English).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
