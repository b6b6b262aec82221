"""How forms render their widgets."""

from functools import cache
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

# Flat versions of the commonest widget templates (input, select, textarea), found before
# Django's: its own include a template per widget and another per option.
FLAT_WIDGETS = Path(__file__).parent / "jinja2"
STOCK_WIDGETS = Path(django.forms.__file__).parent / "jinja2"
INPUT = "django/forms/widgets/input.html"


class WidgetRenderer(Jinja2):
    """Django's stock widget templates in their Jinja2 versions (the form-heavy pages spent
    most of their time rendering widgets); a widget without one, such as the admin's related
    field wrapper, falls back to the Django template it ships with."""

    fallback = DjangoTemplates()

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": False,
                "DIRS": [FLAT_WIDGETS, STOCK_WIDGETS],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )

    def get_template(self, template_name):
        # Text, number, hidden, checkbox and most other inputs only include input.html.
        if _only_includes_input(template_name):
            template_name = INPUT
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)


@cache
def _only_includes_input(template_name: str) -> bool:
    stock = STOCK_WIDGETS / template_name
    return stock.is_file() and stock.read_text().strip() == '{% include "' + INPUT + '" %}'
