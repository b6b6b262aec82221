"""Naming lead status options: DealerStudio has no endpoint listing them, so ids are collected
from webhooks and admins give them names here."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dealeradmin.accounts.access import dealerships_for, is_admin, token_required

from .forms import MAX_ID
from .models import StatusOptionLabel

SAVED = "Saved the status option names."
ADMINS_ONLY = "Only admins can name status options."


class StatusOptionLabelForm(forms.ModelForm):
    class Meta:
        model = StatusOptionLabel
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"maxlength": 200})}


class NewStatusOptionForm(forms.Form):
    dealership = forms.TypedChoiceField(label="Dealership", coerce=int)
    option_id = forms.IntegerField(label="Option id", min_value=1, max_value=MAX_ID)
    name = forms.CharField(label="Name", max_length=200)

    def __init__(self, *args, dealerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealership"].choices = [(d.id, d.name) for d in dealerships]


LabelFormSet = forms.modelformset_factory(
    StatusOptionLabel, form=StatusOptionLabelForm, extra=0, max_num=500, absolute_max=500
)


@token_required
def status_options(request: HttpRequest) -> HttpResponse:
    dealerships = list(dealerships_for(request.user))
    labels = StatusOptionLabel.objects.filter(
        dealership_id__in=[d.id for d in dealerships]
    ).order_by("dealership_id", "option_id")
    admin = is_admin(request.user)
    if request.method == "POST":
        if not admin:
            raise PermissionDenied(ADMINS_ONLY)
        formset = LabelFormSet(request.POST, queryset=labels, prefix="labels")
        new = NewStatusOptionForm(request.POST, dealerships=dealerships, prefix="new")
        wants_new = any(request.POST.get(f"new-{name}") for name in ("option_id", "name"))
        if formset.is_valid() and (not wants_new or new.is_valid()):
            formset.save()
            if wants_new:
                StatusOptionLabel.objects.update_or_create(
                    dealership_id=new.cleaned_data["dealership"],
                    option_id=new.cleaned_data["option_id"],
                    defaults={"name": new.cleaned_data["name"]},
                )
            messages.success(request, SAVED)
            return redirect("clusters:status_options")
    else:
        formset = LabelFormSet(queryset=labels, prefix="labels")
        new = NewStatusOptionForm(dealerships=dealerships, prefix="new")
    names = {d.id: d.name for d in dealerships}
    rows = [(form, names.get(form.instance.dealership_id, "")) for form in formset]
    return render(
        request,
        "clusters/status_options.html",
        {"nav": "leads", "formset": formset, "rows": rows, "new": new, "admin": admin},
    )
