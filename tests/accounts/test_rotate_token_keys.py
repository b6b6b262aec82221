from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from dealeradmin.accounts.crypto import TokenUndecryptable
from dealeradmin.accounts.models import ApiToken

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
LOST_KEY = Fernet.generate_key().decode()


def stored_token(username: str, token: str) -> ApiToken:
    user = get_user_model().objects.create_user(username=username)
    api_token = ApiToken(user=user, checked_at=timezone.now())
    api_token.set_token(token)
    api_token.save()
    return api_token


def rotate() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_token_keys", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_rotation_re_encrypts_every_token_so_the_new_key_alone_reads_them(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    first = stored_token("alice", "dsk_alice_token_1111")
    second = stored_token("bob", "dsk_bob_token_2222")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    out, err = rotate()

    assert "Re-encrypted 2 token(s)" in out
    assert err == ""
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.token == "dsk_alice_token_1111"
    assert second.token == "dsk_bob_token_2222"


@pytest.mark.django_db
def test_without_rotation_the_new_key_alone_cannot_read_old_tokens(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    api_token = stored_token("alice", "dsk_alice_token_1111")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(TokenUndecryptable):
        api_token.token  # noqa: B018


@pytest.mark.django_db
def test_rotation_lists_by_username_the_tokens_no_key_decrypts(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [LOST_KEY]
    lost = stored_token("carol", "dsk_carol_token_3333")
    lost_ciphertext = lost.ciphertext
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    stored_token("alice", "dsk_alice_token_1111")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    out, err = rotate()

    assert "Re-encrypted 1 token(s)" in out
    assert "1 token(s) could not be decrypted" in err
    assert "carol" in err
    assert "alice" not in err
    assert "dsk_" not in out + err
    lost.refresh_from_db()
    assert lost.ciphertext == lost_ciphertext


def test_a_token_read_once_is_not_shown_again_after_its_ciphertext_changes(settings):
    # A row decrypts its token once; a new token or a new key's ciphertext is read afresh.
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    api_token = ApiToken()
    api_token.set_token("dsk_first_token_1111")
    assert api_token.token == "dsk_first_token_1111"
    api_token.set_token("dsk_second_token_2222")
    assert api_token.token == "dsk_second_token_2222"
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    api_token.set_token("dsk_third_token_3333")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(TokenUndecryptable):
        api_token.token  # noqa: B018
