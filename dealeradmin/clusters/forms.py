"""Forms for lead clusters: they own validation and the shape of the update body."""

import unicodedata
from datetime import date, datetime, time, timedelta
from functools import cache, reduce
from operator import or_

from django import forms
from django.core import signing
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dealeradmin.accounts.access import dealerships_for
from dealeradmin.accounts.models import Dealership, Location, SalesUser
from dealeradmin.core.rows import Read, read_all
from dealeradmin.core.templatetags.local_time import shared_zone, zone_of
from dealeradmin.dealerstudio.payloads import build_update_body
from dealeradmin.tags.aliases import ALIAS_OFFERED, canonical_names

from .models import LeadCluster, LeadState, StatusOptionLabel

MAX_ID = 2**63 - 1
OPEN = "open"
OPEN_STATES = [LeadState.NEW, LeadState.CONTACTED]
MAX_TAGS = 50
MAX_TAG_LENGTH = 255
MAX_CAR_ROWS = 50
BASE_SALT = "clusters.edit.base"
TAMPERED = "The form was changed outside the page. Reload it and try again."
ROWS_TAMPERED = "The car rows were changed outside the page. Reload it and try again."
NO_UNASSIGN = (
    "DealerStudio has no way to unassign a lead cluster: choose another salesperson, "
    "or leave it as it is."
)


# A text box, not type=number: a number box silently drops letters, so "40abc4" would be sent
# as 404; here it comes back as typed, with an error.
NUMBER_BOX = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


def _id_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_ID, widget=NUMBER_BOX, **kwargs)


def _visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces and format characters (category Cf,
    such as the zero-width space), which would make a tag nobody can see."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in text)


def _choices_with_current(choices: list, current: int | None) -> list:
    if current is not None and current not in {value for value, _ in choices}:
        choices = [*choices, (current, f"#{current} (not in your token's list)")]
    return choices


def choice_lists_read(dealership: Dealership) -> Read:
    """A read of the dealership's salespeople, locations and status options as (id, name)
    choices, each list by name, in one statement written directly: through the ORM, building
    this UNION took twenty times what the database took to run it."""
    return Read(_choices_sql(connection.vendor), [dealership.id] * len(CHOICE_SOURCES), [], _lists)


def _lists(rows: list[tuple]) -> tuple[list, list, list]:
    lists = ([], [], [])
    for kind, value, name in rows:
        lists[kind].append((value, StatusOptionLabel.label(value, name) if kind == 2 else name))
    return lists


# Where each list of choices comes from, and the field holding DealerStudio's id.
CHOICE_SOURCES = ((SalesUser, "ds_id"), (Location, "ds_id"), (StatusOptionLabel, "option_id"))


@cache
def _choices_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        " UNION ALL ".join(
            f"SELECT {kind}, {quote(model._meta.get_field(id_field).column)}, {quote('name')} "
            f"FROM {quote(model._meta.db_table)} WHERE {quote('dealership_id')} = %s"
            for kind, (model, id_field) in enumerate(CHOICE_SOURCES)
        )
        + " ORDER BY 1, 3, 2"
    )


class ClusterEditForm(forms.Form):
    """Mirrors the Update Lead Cluster body field for field."""

    user_id = forms.TypedChoiceField(
        label="Assigned salesperson", coerce=int, required=False, empty_value=None
    )
    secondary_user_id = forms.TypedChoiceField(
        label="Secondary salesperson", coerce=int, required=False, empty_value=None
    )
    lead_state = forms.ChoiceField(label="Lead state", choices=LeadState.choices)
    approved = forms.BooleanField(label="Approved", required=False)
    location_id = forms.TypedChoiceField(
        label="Location", coerce=int, required=False, empty_value=None
    )
    lead_status_option_id = forms.TypedChoiceField(
        label="Lead status option", coerce=int, required=False, empty_value=None
    )
    lead_status_option_other = _id_field(
        label="…or another status option id",
        required=False,
        help_text="Any id DealerStudio knows, even one not named here yet.",
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One tag per line.",
    )
    car_ids = forms.CharField(
        label="Car ids",
        required=False,
        help_text=(
            "DealerStudio's car_ids: stock cars linked to this cluster, separated by commas "
            "or spaces. Kept apart from the cars of interest below."
        ),
    )
    base = forms.CharField(widget=forms.HiddenInput, error_messages={"required": TAMPERED})

    def __init__(
        self,
        *args,
        dealership: Dealership,
        cluster: LeadCluster,
        base: dict,
        choice_lists: tuple[list, list, list] | None = None,
        **kwargs,
    ):
        """`choice_lists`: what `choice_lists_read(dealership)` loads, where the caller read it
        along with other things; otherwise the form reads it."""
        self.dealership = dealership
        self.cluster = cluster
        self.base_values = base
        initial = {
            **{k: v for k, v in base.items() if k not in ("tags", "car_ids", "cars")},
            "tags": "\n".join(base["tags"]),
            "car_ids": ", ".join(str(c) for c in base["car_ids"]),
        }
        if (args[0] if args else kwargs.get("data")) is None:
            # Signed only for a form the page shows afresh: a posted form carries its own.
            initial["base"] = signing.dumps(base, salt=BASE_SALT, compress=True)
        super().__init__(*args, initial=initial, **kwargs)
        users, locations, options = choice_lists or read_all([choice_lists_read(dealership)])[0]
        assignee = base["user_id"]
        # A blank assignee is only offered while the cluster has none (see NO_UNASSIGN).
        blank_assignee = [("", "— Unassigned —")] if assignee is None else []
        self.fields["user_id"].choices = blank_assignee + _choices_with_current(users, assignee)
        self.fields["secondary_user_id"].choices = [("", "— None —")] + _choices_with_current(
            users, base["secondary_user_id"]
        )
        self.fields["location_id"].choices = [("", "— None —")] + _choices_with_current(
            locations, base["location_id"]
        )
        self.fields["lead_status_option_id"].choices = [("", "— None —")] + _choices_with_current(
            options, base["lead_status_option_id"]
        )
        self.user_names = dict(users)

    def clean_user_id(self):
        value = self.cleaned_data["user_id"]
        if value is None and self.base_values["user_id"] is not None:
            raise forms.ValidationError(NO_UNASSIGN)
        return value

    def clean_tags(self) -> list[str]:
        existing = set(self.base_values["tags"])
        tags = []
        for line in self.cleaned_data["tags"].replace("\r", "").split("\n"):
            # An untouched line keeps its exact upstream spelling, stray spaces included.
            tag = line if line in existing else line.strip()
            if not _visible(tag):
                continue  # blank, or only zero-width and other invisible characters
            if "\x00" in tag:
                raise forms.ValidationError("Tags cannot contain null characters.")
            if len(tag) > MAX_TAG_LENGTH and tag not in existing:
                raise forms.ValidationError(
                    f"A tag can be at most {MAX_TAG_LENGTH} characters long."
                )
            if tag not in tags:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"A cluster can have at most {MAX_TAGS} tags.")
        # A newly typed spelling an admin merged away: offer the tag it became.
        offered = canonical_names(self.dealership.id, [t for t in tags if t not in existing])
        if offered:
            self.data = self.data.copy()
            replaced = list(dict.fromkeys(offered.get(t, t) for t in tags))
            self.data[self.add_prefix("tags")] = "\n".join(replaced)
            raise forms.ValidationError(
                [ALIAS_OFFERED.format(alias=a, canonical=c) for a, c in offered.items()]
            )
        return tags

    def clean_car_ids(self) -> list[int]:
        ids = []
        for part in self.cleaned_data["car_ids"].replace(",", " ").split():
            if not part.isdigit() or not 0 < int(part) <= MAX_ID:
                raise forms.ValidationError(
                    f"“{part[:30]}” is not a car id (a positive whole number)."
                )
            if int(part) not in ids:
                ids.append(int(part))
        return ids

    def clean_base(self) -> dict:
        try:
            return signing.loads(self.cleaned_data["base"], salt=BASE_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(TAMPERED) from None

    def clean(self):
        cleaned = super().clean()
        other = cleaned.get("lead_status_option_other")
        if other:
            cleaned["lead_status_option_id"] = other
        return cleaned

    def submitted_values(self, car_formset: "CarRowFormSet") -> dict:
        data = self.cleaned_data
        return {
            "user_id": data["user_id"],
            "secondary_user_id": data["secondary_user_id"],
            "lead_state": data["lead_state"],
            "approved": data["approved"],
            "location_id": data["location_id"],
            "lead_status_option_id": data["lead_status_option_id"],
            "tags": data["tags"],
            "car_ids": data["car_ids"],
            "cars": car_formset.submitted_rows(),
        }

    def update_body(self, submitted: dict) -> dict:
        return build_update_body(self.cleaned_data["base"], submitted)


class CarRowForm(forms.Form):
    """One `car_lead_clusters_attributes` row."""

    # Hidden: a bad value was not typed by anyone, so it gets the tampering message.
    id = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={code: ROWS_TAMPERED for code in ("invalid", "min_value", "max_value")},
    )
    car_id = _id_field(label="Car id")
    family_id = _id_field(label="Family id")
    manufacturer_id = _id_field(label="Manufacturer id")
    year = forms.IntegerField(label="Year", required=False, widget=NUMBER_BOX)
    badge = forms.CharField(label="Badge", required=False, max_length=100, strip=True)
    colour = forms.CharField(label="Colour", required=False, max_length=100, strip=True)

    def clean_year(self):
        year = self.cleaned_data["year"]
        latest = timezone.now().year + 2
        if year is not None and not 1900 <= year <= latest:
            raise forms.ValidationError(f"Enter a year between 1900 and {latest}.")
        return year


class BaseCarRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, known_ids: set[int], **kwargs):
        self.known_ids = known_ids
        super().__init__(*args, **kwargs)

    def clean(self):
        # Fewer rows than the page was drawn with: rows would silently drop out of the save.
        if self.total_form_count() < self.initial_form_count():
            raise forms.ValidationError(ROWS_TAMPERED)
        if any(self.errors):
            return
        for index, form in enumerate(self.forms):
            row_id = form.cleaned_data.get("id")
            if row_id is None and index < self.initial_form_count():
                # A row the page drew always carries its id; without it the row would be
                # sent as a new car, a second copy of the one it was.
                raise forms.ValidationError(ROWS_TAMPERED)
            if row_id is not None and row_id not in self.known_ids:
                raise forms.ValidationError(
                    "A car row does not belong to this cluster any more. Reload the page."
                )

    def submitted_rows(self) -> list[dict]:
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data:
                continue  # an untouched extra row
            rows.append(
                {
                    "id": data.get("id"),
                    "car_id": data.get("car_id"),
                    "family_id": data.get("family_id"),
                    "manufacturer_id": data.get("manufacturer_id"),
                    "year": data.get("year"),
                    "badge": data.get("badge") or "",
                    "colour": data.get("colour") or "",
                    "_destroy": bool(data.get("DELETE")),
                }
            )
        return rows


CarRowFormSet = forms.formset_factory(
    CarRowForm,
    formset=BaseCarRowFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_CAR_ROWS,
    validate_max=True,
    absolute_max=MAX_CAR_ROWS * 2,
)


def car_formset(data, base: dict, *, opened_with: dict | None = None) -> BaseCarRowFormSet:
    """The car rows of `base`. `opened_with`: the values the posted form was opened with;
    rows it had are this cluster's too, though someone may have removed them since (saving
    other fields is no reason to refuse, and changing such a row shows as a clash)."""
    initial = [{k: v for k, v in car.items()} for car in base["cars"]]
    known = [*base["cars"], *(opened_with or {}).get("cars", [])]
    return CarRowFormSet(
        data, initial=initial, prefix="cars", known_ids={car["id"] for car in known}
    )


class ClusterFilterForm(forms.Form):
    """The list's (and the board's) search, filters and sort, all from the URL."""

    SORTS = {
        "-activity": ("-last_lead_created_at", "-id"),
        "activity": ("last_lead_created_at", "id"),
        "name": ("contact_name", "id"),
        "-name": ("-contact_name", "-id"),
        "state": ("lead_state", "-last_lead_created_at", "-id"),
        "assignee": ("assignee_name", "-last_lead_created_at", "-id"),
        "-created": ("-created", "-id"),
    }
    q = forms.CharField(label="Search", required=False, max_length=200)
    dealership = forms.ChoiceField(label="Dealership", required=False)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any state"), (OPEN, "Open (new or contacted)"), *LeadState.choices],
    )
    new_within = forms.IntegerField(
        label="New in the last … days", required=False, min_value=1, max_value=3650
    )
    created_on = forms.DateField(label="Created on", required=False)
    assignee = forms.CharField(label="Assignee", required=False, max_length=20)
    location = forms.CharField(label="Location", required=False, max_length=20)
    tag = forms.CharField(label="Tag", required=False, max_length=MAX_TAG_LENGTH)
    approved = forms.ChoiceField(
        label="Approved",
        required=False,
        choices=[("", "Any"), ("yes", "Approved"), ("no", "Not approved")],
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[
            ("-activity", "Latest activity first"),
            ("activity", "Oldest activity first"),
            ("name", "Customer A–Z"),
            ("-name", "Customer Z–A"),
            ("state", "State"),
            ("assignee", "Assignee"),
            ("-created", "Newest cluster first"),
        ],
    )

    NEW_WITHIN_DAYS = (1, 7, 14, 30, 90)  # offered in the menu; any other number in the URL

    @property
    def new_within_other(self) -> str:
        """A number of days the URL asks for that the menu does not offer ('' when none)."""
        value = str(self.data.get("new_within") or "")
        offered = {str(days) for days in self.NEW_WITHIN_DAYS}
        return value if value.isascii() and value.isdigit() and value not in offered else ""

    @classmethod
    def for_person(cls, user, data) -> "ClusterFilterForm":
        """The form with the choices of the person's dealerships: their users and locations
        (each with its dealership, for labels), three queries."""
        dealerships = list(dealerships_for(user))
        ids = [d.id for d in dealerships]
        users = list(
            SalesUser.objects.filter(dealership_id__in=ids)
            .select_related("dealership")
            .order_by("name", "ds_id")
        )
        locations = list(
            Location.objects.filter(dealership_id__in=ids)
            .select_related("dealership")
            .order_by("name", "ds_id")
        )
        return cls(data, dealerships=dealerships, users=users, locations=locations)

    def __init__(self, data, *, dealerships, users, locations):
        super().__init__(data)
        self.fields["dealership"].choices = [("", "All dealerships")] + [
            (d.slug, d.name) for d in dealerships
        ]
        self.users = users
        self.locations = locations
        self.dealerships = dealerships

    def _created_since(self, day: date) -> Q:
        """Created at or after the start of `day` on the cluster's own dealership's calendar."""
        return reduce(
            or_,
            (
                Q(dealership_id=d.id, created__gte=datetime.combine(day, time(), zone_of(d)))
                for d in self.dealerships
            ),
            Q(pk__in=[]),
        )

    def _id_or_special(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if value in ("", "none") or (value.isdigit() and int(value) <= MAX_ID):
            return value
        raise forms.ValidationError("Choose one from the list.")

    def clean_assignee(self):
        return self._id_or_special("assignee")

    def clean_location(self):
        return self._id_or_special("location")

    def filter(self, clusters):
        """Applies the valid filters; an invalid one is ignored (its error is shown)."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        # search_text holds name, email, phone and the phone's digits, case-folded.
        for word in (data.get("q") or "").casefold().split()[:5]:
            clusters = clusters.filter(search_text__contains=word)
        if slug := data.get("dealership"):
            ids = [d.id for d in self.dealerships if d.slug == slug]
            clusters = clusters.filter(dealership_id__in=ids)
        if state := data.get("state"):
            states = OPEN_STATES if state == OPEN else [state]
            clusters = clusters.filter(lead_state__in=states)
        # Days as the overview counts them: whole days of each dealership's calendar, today
        # one of them, so its "new in the last 14 days" and each day's bar match the list.
        if days := data.get("new_within"):
            today = timezone.now().astimezone(shared_zone(self.dealerships)).date()
            clusters = clusters.filter(self._created_since(today - timedelta(days=days - 1)))
        if day := data.get("created_on"):
            clusters = clusters.filter(self._created_since(day)).exclude(
                self._created_since(day + timedelta(days=1))
            )
        if assignee := data.get("assignee"):
            clusters = (
                clusters.filter(assignee_id__isnull=True)
                if assignee == "none"
                else clusters.filter(assignee_id=int(assignee))
            )
        if location := data.get("location"):
            clusters = (
                clusters.filter(location_id__isnull=True)
                if location == "none"
                else clusters.filter(location_id=int(location))
            )
        if tag := data.get("tag"):
            clusters = clusters.filter(tag_links__tag__name=tag)
        if approved := data.get("approved"):
            clusters = clusters.filter(approved=approved == "yes")
        return clusters.order_by(*self.SORTS[data.get("sort") or "-activity"])
