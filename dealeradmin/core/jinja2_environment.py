"""The Jinja2 engine's environment: the helpers its templates share with the Django ones."""

from django.template.defaultfilters import date, truncatechars
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment

from .templatetags.local_time import local_time


def local_date(value, style: str) -> str:
    """Django's `date` filter, in the current time zone as the template language shows it."""
    return date(template_localtime(value), style)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(local_time=local_time, url=lambda name, *args: reverse(name, args=args))
    env.filters.update(date=local_date, truncatechars=truncatechars)
    return env
