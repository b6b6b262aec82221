"""`rundemo --sandbox-port N`: the dashboard talks to the sandbox where the demo starts it."""

import os

import pytest
from django.core.management.base import CommandError

from dealeradmin.demo.management.commands.rundemo import demo_api_url


def test_the_demo_follows_its_sandbox_port_when_no_api_url_was_set(settings, monkeypatch):
    settings.DEALERSTUDIO_API_URL = "http://127.0.0.1:8001"  # the default
    monkeypatch.setenv("DEALERSTUDIO_API_URL", "")
    monkeypatch.delenv("DEALERSTUDIO_API_URL")
    assert demo_api_url(8411) == "http://127.0.0.1:8411"
    assert settings.DEALERSTUDIO_API_URL == "http://127.0.0.1:8411"

    assert os.environ["DEALERSTUDIO_API_URL"] == "http://127.0.0.1:8411"  # for its processes


def test_an_api_url_set_by_hand_elsewhere_stops_the_demo(settings, monkeypatch):
    settings.DEALERSTUDIO_API_URL = "https://dashboard.dealerstudio.com.au"
    monkeypatch.setenv("DEALERSTUDIO_API_URL", "https://dashboard.dealerstudio.com.au")
    with pytest.raises(CommandError, match="the demo needs the sandbox"):
        demo_api_url(8411)
