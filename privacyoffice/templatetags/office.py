"""Template filters for how a Japanese office writes people and dates."""

from django import template

from requests_app.selectors import staff_name as _staff_name

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """佐藤 花子: family name first (requests_app.selectors.staff_name)."""
    return _staff_name(user)
