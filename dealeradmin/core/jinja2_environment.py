"""The Jinja2 engine's environment: the helpers its templates share with the Django ones."""

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from jinja2 import Environment

from .templatetags.local_time import local_time


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(local_time=local_time, url=lambda name, *args: reverse(name, args=args))
    env.filters.update(truncatechars=truncatechars)
    return env
