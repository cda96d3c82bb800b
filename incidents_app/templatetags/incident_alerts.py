"""The admin home's incident and supervision alerts (the managers')."""

from django import template

from incidents_app.selectors import incident_alerts_open_for_user

register = template.Library()


@register.simple_tag
def incident_alerts_for(user):
    return incident_alerts_open_for_user(user=user)
