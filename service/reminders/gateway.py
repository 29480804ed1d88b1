"""The adapter for GatewayAPI's REST API (``POST {url}/rest/mtsms``), on the standard library.

Only the process's edge: it turns one message into one HTTP request and the answer into the
gateway's message id, or an error that says whether trying again can help. A connection that
fails before the request is sent, a 429 and a 5xx are transient (nothing was accepted); any
other 4xx is permanent (trying again gives the same answer). A timeout after the request was
sent is ``UncertainGatewayError``: the gateway may have accepted the message, so it is never
sent again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class GatewayError(Exception):
    """The gateway did not accept the message."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientGatewayError(GatewayError):
    """Nothing was accepted, and trying again later can succeed."""


class PermanentGatewayError(GatewayError):
    """The gateway refused the message; the same request will be refused again."""


class UncertainGatewayError(GatewayError):
    """The request went out but no answer came: the message may have been accepted."""


@dataclass(frozen=True)
class GatewayApiClient:
    """Sends one SMS per call through GatewayAPI."""

    base_url: str
    token: str
    sender: str
    timeout_seconds: float = 10.0

    def send(self, *, msisdn: int, message: str, userref: str | None = None) -> str:
        """Send one message to one recipient; returns the gateway's message id."""
        body: dict[str, Any] = {
            "sender": self.sender,
            "message": message,
            "recipients": [{"msisdn": msisdn}],
        }
        if userref:
            body["userref"] = userref
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/rest/mtsms",
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                answer = json.loads(response.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError as exc:
            detail = _error_text(exc)
            if exc.code == 429 or exc.code >= 500:
                raise TransientGatewayError(detail, status=exc.code) from exc
            raise PermanentGatewayError(detail, status=exc.code) from exc
        except TimeoutError as exc:
            raise UncertainGatewayError("no answer before the timeout") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise UncertainGatewayError("no answer before the timeout") from exc
            raise TransientGatewayError(f"no connection: {exc.reason}") from exc
        except (ConnectionError, json.JSONDecodeError) as exc:
            raise UncertainGatewayError(f"broken answer: {exc}") from exc
        ids = answer.get("ids") if isinstance(answer, dict) else None
        if not ids:
            raise UncertainGatewayError(f"answer without ids: {answer!r}"[:300])
        return str(ids[0])


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read().decode("utf-8") or "{}")
    except (ValueError, OSError):
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    return f"HTTP {exc.code}: {message or exc.reason}"[:300]
