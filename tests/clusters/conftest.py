"""The mirror committed once per module when it is missing (a transactional test before this
module flushed it), so that tests, each in its own rolled-back transaction, do not ingest the
whole seed again. It stays for the modules after, like the one tests/conftest.py loads."""

import pytest

from tests.conftest import _load_mirror


@pytest.fixture(scope="module")
def committed_mirror(django_db_setup, django_db_blocker, seed_payloads):
    with django_db_blocker.unblock():
        _load_mirror(seed_payloads)
