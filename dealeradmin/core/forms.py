"""How forms render their widgets."""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(Jinja2):
    """Django's stock widget templates in their Jinja2 versions (the form-heavy pages spent
    most of their time rendering widgets); a widget without one, such as the admin's related
    field wrapper, falls back to the Django template it ships with."""

    fallback = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
