"""{% local_time %}: the dealership's wall clock, with the exact moment on hover."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince

from dealeradmin.accounts.models import Dealership
from dealeradmin.core.templatetags.local_time import (
    EXACT,
    STYLES,
    age_text,
    exact_text,
    moment_text,
)

MOMENT = datetime(2026, 7, 1, 22, 5, 9, tzinfo=UTC)


def _render(source: str, **context) -> str:
    return Template("{% load local_time %}" + source).render(Context(context))


def test_it_shows_the_dealerships_time_and_the_exact_time_on_hover():
    html = _render("{% local_time when zone %}", when=MOMENT, zone="Australia/Brisbane")
    assert html == (
        '<time datetime="2026-07-01T22:05:09Z" '
        'title="Thu 2 Jul 2026, 8:05:09 a.m. AEST (Australia/Brisbane)">'
        "2 Jul 2026, 8:05 a.m.</time>"
    )


def test_a_dealership_in_another_zone_gets_its_own_clock():
    perth = Dealership(id=1, name="Perth", slug="perth", time_zone="Australia/Perth")
    html = _render('{% local_time when d "time" %}', when=MOMENT, d=perth)
    assert ">6:05 a.m.</time>" in html
    assert "AWST (Australia/Perth)" in html


def test_an_unknown_zone_or_no_zone_falls_back_to_brisbane():
    for zone in ("Mars/Olympus", None):
        assert ">8:05 a.m.</time>" in _render('{% local_time when z "time" %}', when=MOMENT, z=zone)


def test_nothing_to_show_is_a_dash():
    assert _render("{% local_time when %}", when=None) == "—"


@pytest.mark.parametrize("zone", ["Australia/Brisbane", "Australia/Sydney", "UTC"])
@pytest.mark.parametrize(
    "moment",
    ["2026-12-03T00:05:09", "2026-12-03T09:07:00", "2026-12-03T12:00:00", "2026-07-31T23:59:59"],
)
def test_the_fast_texts_match_what_django_makes_of_each_format(moment, zone):
    local = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(zone))
    for style, format_string in STYLES.items():
        assert moment_text(local, style) == date_format(local, format_string), style
    assert exact_text(local) == date_format(local, EXACT)


@pytest.mark.parametrize(
    "ago",
    [
        timedelta(seconds=-5),
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=59, seconds=59),
        timedelta(hours=1),
        timedelta(hours=23),
        timedelta(days=1),
        timedelta(days=6, hours=23),
        timedelta(days=13),
        timedelta(days=31),
        timedelta(days=45),
        timedelta(days=365),
        timedelta(days=800),
    ],
)
def test_the_fast_age_matches_djangos_timesince(ago):
    now = datetime(2026, 12, 3, 14, 5, 9, tzinfo=UTC)
    assert age_text(now - ago, now) == timesince(now - ago, now, depth=1)
