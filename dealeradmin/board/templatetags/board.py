from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def age(value) -> str:
    """ "3 days" rather than "3 days, 4 hours": a card has little room."""
    return timesince(value, depth=1) if value else ""
