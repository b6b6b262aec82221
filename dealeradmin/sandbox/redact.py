"""Keep bearer tokens out of logs and out of the request log: only the last four characters."""

import logging
import re

_BEARER = re.compile(r"(Bearer\s+)(\S+)", re.IGNORECASE)
_TOKEN = re.compile(r"\bdsk_\w+")


def last_four(value: str | None) -> str | None:
    if not value:
        return value
    return "…" + value[-4:]


def redact_authorization(value: str) -> str:
    scheme, _, credentials = value.partition(" ")
    if credentials:
        return f"{scheme} {last_four(credentials.strip())}"
    return last_four(value) or ""


def redact_text(text: str) -> str:
    text = _BEARER.sub(lambda m: m.group(1) + last_four(m.group(2)), text)
    return _TOKEN.sub(lambda m: last_four(m.group(0)), text)


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
