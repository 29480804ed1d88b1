"""An imported CPR number is kept only as a keyed hash that finds the same person twice.

The CPR *detector* (which refuses CPR numbers in every stored text) is ``service/cpr.py``. An
import file's CPR column is turned into an HMAC with the server's secret key, which finds the
same person twice without the number itself being kept or recoverable by anyone who lacks the
key.
"""

from __future__ import annotations

import hashlib
import hmac

# Versioned so the hash can be changed later without mixing old and new values.
_HMAC_CONTEXT = b"kantmatch-cpr-v1:"


def cpr_hmac(cpr_digits: str, secret_key: str) -> str:
    """The keyed hash kept instead of a CPR number (HMAC-SHA256 with the server's secret)."""
    return hmac.new(
        secret_key.encode("utf-8"), _HMAC_CONTEXT + cpr_digits.encode("ascii"), hashlib.sha256
    ).hexdigest()
