"""`{% local_time value dealership %}`: a moment in the dealership's time zone, with the exact
time on hover: <time datetime="…Z" title="Tue 3 Dec 2026, 2:05:09 pm AEST">3 Dec, 2:05 pm</time>.

The zone may be a Dealership, a zone name, or nothing (DEALERSHIP_TIME_ZONE).
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timesince import timesince

register = template.Library()

STYLES = {
    "datetime": "j M Y, g:i a",
    "short": "j M, g:i a",
    "date": "j M Y",
    "time": "g:i a",
}
EXACT = "D j M Y, g:i:s a T"


@cache
def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.DEFAULT_TIME_ZONE_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_TIME_ZONE_NAME)


def zone_of(zone) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    return zone_named(getattr(zone, "time_zone", zone) or None)


def shared_zone(dealerships) -> ZoneInfo:
    """The one zone a set of dealerships shares, else DEALERSHIP_TIME_ZONE: for calendars
    (date filters, days in a chart) that must pick a single zone."""
    names = {str(zone_of(d)) for d in dealerships}
    return zone_named(names.pop() if len(names) == 1 else None)


def datetime_text(local: datetime) -> str:
    """`local` as STYLES["datetime"] shows it ("3 Dec 2026, 2:05 p.m."), built directly: the
    board pays this per card, and Django's date formatting costs fifteen times more."""
    return f"{local:%-d %b %Y, %-I:%M} {'a.m.' if local.hour < 12 else 'p.m.'}"


def in_zone(value: datetime, zone=None) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(zone_of(zone))


@register.simple_tag
def local_time(value, zone=None, style: str = "datetime") -> str:
    """style: datetime, short, date, time, or ago ("3 hours ago")."""
    if not isinstance(value, datetime):
        return "—"
    local = in_zone(value, zone)
    if style == "ago":
        shown = f"{timesince(value)} ago"
    else:
        shown = date_format(local, STYLES.get(style, STYLES["datetime"]))
    exact = f"{date_format(local, EXACT)} ({local.tzinfo})"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
        exact,
        shown,
    )
