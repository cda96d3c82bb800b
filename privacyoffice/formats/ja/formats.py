"""Japanese formats for the staff UI, as Japanese business documents write them.

Django's own `ja` module already writes dates as 2026年11月24日; this one adds what it leaves
unset or what our staff read differently:
- times as 09:05 (zero-padded 24-hour clock), with a space between date and time, as in logs;
- input formats: Django's `ja` defines none, so without these a Japanese form would fall back to
  the global list with its US month/day orders (10/11/2026); here 2026/11/24 (the way Japanese
  Excel and paper forms write dates) comes first, and ISO and 2026年11月24日 are accepted too.
The first input format is also how the admin's date widget and calendar write a date back.
"""

# Output (Django date format syntax).
DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
# Calendars in Japan start the week on Sunday.
FIRST_DAY_OF_WEEK = 0

# Input (strftime syntax).
DATE_INPUT_FORMATS = [
    "%Y/%m/%d",  # 2026/11/24
    "%Y-%m-%d",  # 2026-11-24
    "%Y年%m月%d日",  # 2026年11月24日
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
    "%H:%M",  # 14:30
]
DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M:%S",  # 2026/11/24 14:30:59
    "%Y/%m/%d %H:%M:%S.%f",  # 2026/11/24 14:30:59.000200
    "%Y/%m/%d %H:%M",  # 2026/11/24 14:30
    "%Y-%m-%d %H:%M:%S",  # 2026-11-24 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-11-24 14:30:59.000200
    "%Y-%m-%d %H:%M",  # 2026-11-24 14:30
    "%Y年%m月%d日 %H:%M",  # 2026年11月24日 14:30
]

# Numbers: 1,234,567.8 (Japanese uses the same separators as English).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
