"""Our widget renderer (flat Jinja2 templates) writes the same HTML as Django's own."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html

from dealeradmin.core.forms import WidgetRenderer


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="Say <something>")
    number = forms.IntegerField(min_value=1)
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput)
    hidden = forms.CharField(widget=forms.HiddenInput)
    ticked = forms.BooleanField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea)
    choice = forms.ChoiceField(
        choices=[("", "—"), ("Cars", [("1", "Car & <one>"), ("2", "Car two")]), ("3", "Three")]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")])


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": 'a "quoted" <b>', "number": "0", "ticked": "on", "choice": "2", "many": ["b"]},
    ],
)
def test_every_widget_renders_as_django_renders_it(data):
    ours = EveryWidget(data, renderer=WidgetRenderer())
    django = EveryWidget(data, renderer=DjangoTemplates())
    for name in EveryWidget.base_fields:
        assert parse_html(str(ours[name])) == parse_html(str(django[name])), name


class FlatTemplatesOnly(WidgetRenderer):
    """The flat Jinja2 templates, without the widgets written in Python."""

    def render(self, template_name, context, request=None):
        return super(WidgetRenderer, self).render(template_name, context, request)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": "", "number": "", "choice": "", "notes": ""},
        {
            "text": "Zoë & 'co' \"<b>\"",
            "number": "12",
            "notes": "0",
            "choice": "1",
            "many": ["a", "b"],
        },
    ],
)
def test_the_widgets_written_in_python_match_the_flat_templates_character_for_character(data):
    attrs = {"data-x": '"<&>"', "autofocus": True, "hidden": False, "aria-label": None}
    form = EveryWidget(data, renderer=WidgetRenderer())
    flat = EveryWidget(data, renderer=FlatTemplatesOnly())
    for each in (form, flat):
        each.fields["text"].widget.attrs.update(attrs)
        each.fields["notes"].widget.attrs.update(attrs)
        each.fields["choice"].widget.attrs.update(attrs)
    for name in EveryWidget.base_fields:
        assert str(form[name]) == str(flat[name]), name
