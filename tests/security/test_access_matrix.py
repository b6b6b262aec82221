"""Who gets what: every URL of the URLconf × {anonymous, signed in without a token, manager
(Brisbane only), admin (both dealerships)} × {GET, POST}.

The URLs are read from the URLconf, so a new URL is covered the day it is added: it fails here
until its expected answers are written into EXPECTED. Another dealership's cluster is a 404,
exactly like a cluster that does not exist, so nobody learns what exists elsewhere.
"""

import os

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.urls import all_routes

pytestmark = pytest.mark.usefixtures("committed_mirror")

PERSONAS = ("anonymous", "no_token", "manager", "admin")
LOGIN = "302 /accounts/login/"
TOKEN = "302 /settings/token/"
ADMIN_LOGIN = "302 /admin/login/"


def everyone(get: str, post: str) -> dict:
    return {persona: (get, post) for persona in PERSONAS}


def signed_in(no_token: tuple, manager: tuple, admin: tuple) -> dict:
    """Anonymous people are sent to sign in, wherever they go."""
    return {"anonymous": (LOGIN, LOGIN), "no_token": no_token, "manager": manager, "admin": admin}


OK = ("200", "200")
READ_ONLY = ("200", "405")
NOT_ADMIN = ("403", "403")

# (GET, POST) per persona. POSTs carry no form data: a write with nothing in it must be
# refused or re-shown, never a 500. Pages marked "renders on POST" have no side effects.
EXPECTED: dict[str, dict] = {
    "overview:home": signed_in((TOKEN, TOKEN), OK, OK),  # renders on POST
    "accounts:login": {
        "anonymous": OK,
        "no_token": ("302 /", "302 /"),
        "manager": ("302 /", "302 /"),
        "admin": ("302 /", "302 /"),
    },
    "accounts:logout": signed_in(*[("405", LOGIN)] * 3),
    "accounts:token": signed_in(OK, OK, OK),  # an empty POST re-shows the form with its error
    "accounts:token_refresh": signed_in(*[("405", TOKEN)] * 3),
    "accounts:token_delete": signed_in(*[("405", TOKEN)] * 3),
    "clusters:list": signed_in((TOKEN, TOKEN), READ_ONLY, READ_ONLY),
    "clusters:edit": {
        # an empty POST re-shows the form with its errors
        "own": signed_in((TOKEN, TOKEN), OK, OK),
        # the manager's token does not reach Gold Coast: as if it did not exist
        "other": signed_in((TOKEN, TOKEN), ("404", "404"), OK),
    },
    "clusters:status_options": signed_in((TOKEN, TOKEN), ("200", "403"), OK),
    "clusters:webhook": everyone("405", "401"),
    "board:board": signed_in((TOKEN, TOKEN), READ_ONLY, READ_ONLY),
    "board:column": signed_in((TOKEN, TOKEN), ("400", "405"), ("400", "405")),  # no column named
    "board:move": signed_in((TOKEN, TOKEN), ("405", "400"), ("405", "400")),
    "board:bulk": signed_in((TOKEN, TOKEN), ("405", "302 /board/"), ("405", "302 /board/")),
    "board:changes": signed_in((TOKEN, TOKEN), READ_ONLY, READ_ONLY),
    "tags:catalogue": signed_in((TOKEN, TOKEN), OK, OK),  # renders on POST
    # curation is for admins only, token or not
    "tags:merge": signed_in(NOT_ADMIN, NOT_ADMIN, OK),
    "tags:rename": signed_in(NOT_ADMIN, NOT_ADMIN, OK),
    "tags:delete": signed_in(NOT_ADMIN, NOT_ADMIN, OK),
    "tags:bulk": signed_in(NOT_ADMIN, NOT_ADMIN, OK),
    "tags:jobs": signed_in(NOT_ADMIN, NOT_ADMIN, OK),
    "tags:job": signed_in(NOT_ADMIN, NOT_ADMIN, ("404", "404")),  # no such job
    "tags:resume": signed_in(NOT_ADMIN, NOT_ADMIN, ("405", "404")),
    "tags:revert": signed_in(NOT_ADMIN, NOT_ADMIN, ("404", "404")),
    "audit:log": signed_in((TOKEN, TOKEN), OK, OK),  # renders on POST
    "audit:export": signed_in((TOKEN, TOKEN), OK, OK),  # renders on POST
    "core:healthz": everyone("200", "405"),
}

# Django's admin is for staff (operators); none of these people is staff. Its per-model pages
# are generated, so they follow one rule: anonymous people are sent to the site's sign-in,
# signed-in non-staff to the admin's.
ADMIN_MODEL_PAGE = {
    "anonymous": (LOGIN, LOGIN),
    **{p: (ADMIN_LOGIN, ADMIN_LOGIN) for p in PERSONAS[1:]},
}
ADMIN_SITE = {
    name: everyone(ADMIN_LOGIN, ADMIN_LOGIN)
    for name in (
        "admin:index",
        "admin:app_list",
        "admin:password_change",
        "admin:password_change_done",
        "admin:autocomplete",
        "admin:jsi18n",
        "admin:view_on_site",
    )
}
ADMIN_SITE["admin:login"] = everyone("200", "200")
ADMIN_SITE["admin:logout"] = {
    "anonymous": (ADMIN_LOGIN, ADMIN_LOGIN),
    **{p: ("302 /admin/", "302 /admin/") for p in PERSONAS[1:]},
}


# A query that makes the answer independent of timing: the board's poll asks "since when?".
QUERIES = {"board:changes": "?since=4102444800"}


def _variants(route, samples: dict) -> list[tuple[str, str]]:
    """(variant label, URL) pairs for a route: the edit page twice, own and other dealership."""
    if "<unnamed" in route.name:  # an unnamed pattern (the admin's redirects and catch-all)
        return [("", "/" + route.example)]
    if not route.kwargs:
        return [("", reverse(route.name) + QUERIES.get(route.name, ""))]
    if set(route.kwargs) == {"slug", "cluster_id"}:
        return [
            ("own", reverse(route.name, kwargs=samples["own_cluster"])),
            ("other", reverse(route.name, kwargs=samples["other_cluster"])),
        ]
    kwargs = {key: samples[key] for key in route.kwargs}
    return [("", reverse(route.name, kwargs=kwargs))]


def _answer(response) -> str:
    if response.status_code in (301, 302, 303):
        return f"{response.status_code} {response['Location'].split('?')[0]}"
    return str(response.status_code)


def _expectations(name: str) -> dict | None:
    if name in ADMIN_SITE:
        return ADMIN_SITE[name]
    if name.startswith("admin:") and name.endswith(
        ("_changelist", "_add", "_history", "_delete", "_change", "_password_change")
    ):
        return ADMIN_MODEL_PAGE
    if name == "admin:<unnamed django.views.generic.base.RedirectView>":
        return ADMIN_MODEL_PAGE  # admin/<app>/<model>/<id>/ → its change page
    if name == "admin:<unnamed django.contrib.admin.sites.AdminSite.catch_all_view>":
        return everyone(ADMIN_LOGIN, ADMIN_LOGIN)
    return EXPECTED.get(name)


ROUTES = all_routes()


@pytest.fixture(scope="module")
def browser() -> Client:
    """One client for the module: each new one loads the middleware again (WhiteNoise indexes
    every static file), which would cost more than all the requests."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "route", ROUTES, ids=[r.name if "unnamed" not in r.name else r.route for r in ROUTES]
)
def test_every_url_answers_each_kind_of_person_as_expected(route, samples, people, browser):
    expected_by_variant = _expectations(route.name)
    actual: dict = {}
    for variant, url in _variants(route, samples):
        for persona in PERSONAS:
            answers = []
            for method in ("get", "post"):
                browser.cookies.clear()  # a fresh session each time: logout POSTs end theirs
                if people[persona] is not None:
                    browser.force_login(people[persona])
                answers.append(_answer(getattr(browser, method)(url)))
            actual[(variant, persona)] = tuple(answers)
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        print(f"\nMATRIX {route.name} {actual}")
    assert expected_by_variant is not None, (
        f"{route.name} ({route.route}) has no expectations in EXPECTED; it answers {actual}"
    )
    for (variant, persona), answers in actual.items():
        table = expected_by_variant[variant] if variant else expected_by_variant
        assert answers == table[persona], (route.name, variant, persona, answers)
        assert "500" not in answers
