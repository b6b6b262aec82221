"""What a person sees when a form's CSRF token no longer matches (usually a session that
expired or a page left open across a sign-out): plain words, never an error page swapped into
a fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_EXPIRED = "Your session expired. Reload the page to carry on."


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.headers.get("HX-Request"):
        # htmx 2 does not swap a 403; app.js shows the message for this header instead.
        response = HttpResponse(SESSION_EXPIRED, status=403, content_type="text/plain")
        response["X-Session-Expired"] = "1"
        return response
    return render(
        request,
        "accounts/session_expired.html",
        {"message": SESSION_EXPIRED, "reload_url": _page_they_were_on(request)},
        status=403,
    )


def _page_they_were_on(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"
