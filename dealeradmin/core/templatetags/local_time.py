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


def _meridiem(local: datetime) -> str:
    return "a.m." if local.hour < 12 else "p.m."


# Each style of STYLES and EXACT built directly: an edit page shows some forty moments and the
# board one per card, and Django's date formatting costs fifteen times more. A test holds
# each to what date_format makes of the format string.
_TEXT = {
    "datetime": lambda t: f"{t:%-d %b %Y, %-I:%M} {_meridiem(t)}",
    "short": lambda t: f"{t:%-d %b, %-I:%M} {_meridiem(t)}",
    "date": lambda t: f"{t:%-d %b %Y}",
    "time": lambda t: f"{t:%-I:%M} {_meridiem(t)}",
}


def moment_text(local: datetime, style: str = "datetime") -> str:
    """`local` as STYLES[style] shows it, e.g. "3 Dec 2026, 2:05 p.m."."""
    return _TEXT.get(style, _TEXT["datetime"])(local)


def exact_text(local: datetime) -> str:
    """`local` as EXACT shows it, e.g. "Thu 3 Dec 2026, 2:05:09 p.m. AEST"."""
    return f"{local:%a %-d %b %Y, %-I:%M:%S} {_meridiem(local)} {local.tzname() or ''}"


class _Unit:
    """One of timesince's unit strings, formatted without a lazy translation per use (the
    dashboard speaks only Australian English, whose catalogue leaves them as they are)."""

    def __init__(self, name: str):
        self._one, self._many = f"%d {name}", f"%d {name}s"

    def __mod__(self, params: dict) -> str:
        return (self._one if params["num"] == 1 else self._many) % params["num"]


_UNITS = {name: _Unit(name) for name in ("year", "month", "week", "day", "hour", "minute")}


def age_text(value: datetime, now: datetime) -> str:
    """How long ago `value` was, in its largest unit ("3 days"): Django's timesince with
    depth 1, for the board's card each; a test holds it to timesince's own text."""
    return timesince(value, now, depth=1, time_strings=_UNITS)


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
    shown = f"{timesince(value)} ago" if style == "ago" else moment_text(local, style)
    exact = f"{exact_text(local)} ({local.tzinfo})"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
        exact,
        shown,
    )
