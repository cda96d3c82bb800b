"""`{% deadline_alerts_for user as alerts %}`: the admin home page's deadline alerts."""

from django import template

from requests_app.letters.selectors import alerts_open_for_user

register = template.Library()


@register.simple_tag
def deadline_alerts_for(user):
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "requests_app.view_deadlinealert"
    ):
        return []
    return alerts_open_for_user(user=user)
