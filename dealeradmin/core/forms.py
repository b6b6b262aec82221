"""How forms render their widgets."""

from functools import cache
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property
from markupsafe import escape

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

    def render(self, template_name, context, request=None):
        # The commonest widgets are written here: even a flat template cost a new Jinja2
        # context per widget, a tenth of the edit page's time.
        write = WRITERS.get(INPUT if _only_includes_input(template_name) else template_name)
        if write is not None:
            return write(context["widget"])
        return super().render(template_name, context, request)

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


# Each writes what its flat template in FLAT_WIDGETS writes, character for character (a test
# compares them on every kind of value).
def _attrs(attrs: dict) -> str:
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{escape(option['label'])}</option>"
            for option in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    )


WRITERS = {
    INPUT: _input,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
}
