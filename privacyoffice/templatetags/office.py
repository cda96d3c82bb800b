"""Template filters for how a Japanese office writes people and dates."""

from django import template

from common.countries import country_name as _country_name
from requests_app.selectors import staff_name as _staff_name

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """佐藤 花子: family name first (requests_app.selectors.staff_name)."""
    return _staff_name(user)


@register.filter
def country_name(code: str) -> str:
    """US → 米国 in the Japanese UI, United States in the English one (common/countries.py)."""
    return _country_name(code)
