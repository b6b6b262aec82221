"""Forms for tag curation: they pick tags and names and check them; they never call the API."""

import unicodedata

from django import forms

from dealeradmin.clusters.forms import MAX_TAG_LENGTH
from dealeradmin.clusters.models import Tag

from .catalogue import SORTS

LARGE_DELETE = 20
MAX_BULK_CLUSTERS = 1000
TYPE_NAME = "Type the tag's name exactly as shown to confirm."
TYPE_PHRASE = "Type “{phrase}” to confirm."
SAME_NAME = "That is already its name: choose a different one."
ONE_LINE = "A tag name is one line: it cannot hold line breaks, tabs or other control characters."


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    dealership = forms.ChoiceField(label="Dealership", required=False)
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("-clusters", "Most used first"),
            ("clusters", "Least used first"),
            ("-last_used", "Recently used first"),
            ("last_used", "Least recently used first"),
        ],
    )
    duplicates = forms.BooleanField(label="Only likely duplicates", required=False)

    def __init__(self, data, *, dealerships):
        super().__init__(data)
        self.dealerships = dealerships
        self.fields["dealership"].choices = [("", "All dealerships")] + [
            (d.slug, d.name) for d in dealerships
        ]

    def options(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        ids = [d.id for d in self.dealerships]
        if data.get("dealership"):
            ids = [d.id for d in self.dealerships if d.slug == data["dealership"]]
        sort = data.get("sort") or "name"
        return {
            "dealership_ids": ids,
            "q": data.get("q") or "",
            "sort": sort if sort in SORTS else "name",
            "duplicates_only": bool(data.get("duplicates")),
        }


def clean_tag_name(value: str) -> str:
    """A new tag name as people mean it: trimmed, inner runs of spaces kept as typed."""
    value = value.strip()
    # The edit form holds one tag per line: a tag with a line break in it could not be kept.
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise forms.ValidationError(ONE_LINE)
    if not value:
        raise forms.ValidationError("Enter a tag name.")
    return value


class TagsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Tag) -> str:
        return obj.name


class _TagsForm(forms.Form):
    tag = TagsField(queryset=Tag.objects.none(), label="Tags")

    def __init__(self, data, *, dealership_ids: list[int]):
        super().__init__(data)
        self.fields["tag"].queryset = Tag.objects.filter(dealership_id__in=dealership_ids)


class MergeForm(_TagsForm):
    """Rename (one tag) or merge (several) into `target`; an existing target name merges."""

    target = forms.CharField(label="New name", max_length=MAX_TAG_LENGTH, strip=False)
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_target(self) -> str:
        return clean_tag_name(self.cleaned_data["target"])

    def clean(self):
        cleaned = super().clean()
        tags, target = cleaned.get("tag"), cleaned.get("target")
        if tags and target and all(tag.name == target for tag in tags):
            self.add_error("target", SAME_NAME)
        return cleaned


class DeleteForm(_TagsForm):
    confirm = forms.CharField(label="Confirm", required=False, strip=False)
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def confirm_phrase(self) -> str:
        names = sorted({tag.name for tag in self.cleaned_data["tag"]})
        return names[0] if len(names) == 1 else f"delete {len(names)} tags"

    def check_confirmation(self, clusters: int) -> bool:
        """A large delete needs the tag's name typed; adds the error and says False if not."""
        if clusters < LARGE_DELETE:
            return True
        phrase = self.confirm_phrase()
        if self.cleaned_data.get("confirm") == phrase:
            return True
        names = {tag.name for tag in self.cleaned_data["tag"]}
        self.add_error(
            "confirm", TYPE_NAME if len(names) == 1 else TYPE_PHRASE.format(phrase=phrase)
        )
        return False


class BulkTagForm(forms.Form):
    action = forms.ChoiceField(
        label="Change", choices=[("add", "Add the tag"), ("remove", "Remove the tag")]
    )
    name = forms.CharField(label="Tag", max_length=MAX_TAG_LENGTH, strip=False)
    cluster = forms.TypedMultipleChoiceField(coerce=int, label="Clusters")

    def __init__(self, data, *, cluster_ids: list[int]):
        super().__init__(data)
        self.fields["cluster"].choices = [(cid, cid) for cid in cluster_ids]

    def clean_name(self) -> str:
        return clean_tag_name(self.cleaned_data["name"])

    def clean_cluster(self) -> list[int]:
        ids = self.cleaned_data["cluster"]
        if len(ids) > MAX_BULK_CLUSTERS:
            raise forms.ValidationError(
                f"Choose at most {MAX_BULK_CLUSTERS} clusters for one job; narrow the filters."
            )
        return ids
