"""List cursors are opaque and signed: no name inside, a changed or foreign cursor refused."""

from __future__ import annotations

import base64
import binascii

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import Role
from service.citizens.models import Citizen
from service.errors import BadRequestError
from service.pagination import cursor_cipher, decode_cursor, encode_cursor, signing_key
from tests.citizens.helpers import API, citizen_payload
from tests.factories import bearer, make_key

NAMES = ["Agnete Ærbødig", "Birthe Bøgelund", "Carl Christoffersen"]


def _every_decoding(cursor: str) -> bytes:
    """What a reader of a logged URL could get out of the cursor without the key."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        return base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        return cursor.encode()


def test_a_citizen_list_cursor_holds_no_name_and_pages_through(
    client: TestClient, session: Session
) -> None:
    _, key = make_key(session, Role.admin)
    ids = [
        client.post(f"{API}/citizens", json=citizen_payload(name=n), headers=bearer(key)).json()[
            "id"
        ]
        for n in NAMES
    ]

    seen: list[str] = []
    cursor: str | None = None
    cursors: list[str] = []
    while True:
        params: dict[str, str | int] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/citizens", params=params, headers=bearer(key)).json()
        seen.extend(item["name"] for item in page["items"] if item["id"] in ids)
        cursor = page["next_cursor"]
        if cursor is None:
            break
        cursors.append(cursor)

    assert seen == NAMES
    assert cursors
    for made in cursors:
        raw = _every_decoding(made) + made.encode()
        for name in NAMES:
            for part in name.split():
                assert part.encode() not in raw
                assert part.casefold().encode() not in raw.lower()
        assert not any(i.encode() in raw for i in ids)


def test_a_changed_cursor_is_refused_with_400(client: TestClient, session: Session) -> None:
    _, key = make_key(session, Role.admin)
    for name in NAMES:
        client.post(f"{API}/citizens", json=citizen_payload(name=name), headers=bearer(key))
    cursor = client.get(f"{API}/citizens?limit=1", headers=bearer(key)).json()["next_cursor"]
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    old_style = base64.urlsafe_b64encode(b'["Agnete",1]').decode()

    for bad in (flipped, old_style, "x", cursor + "A"):
        response = client.get(f"{API}/citizens", params={"cursor": bad}, headers=bearer(key))

        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_cursor"
        assert response.json()["error"]["fields"][0]["field"] == "cursor"


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    with signing_key(cursor_cipher("a" * 40)):
        cursor = encode_cursor(["Agnete Ærbødig", "c0ffee"])
        assert decode_cursor(cursor, 2) == ["Agnete Ærbødig", "c0ffee"]
    with signing_key(cursor_cipher("b" * 40)), pytest.raises(BadRequestError) as refused:
        decode_cursor(cursor, 2)
    assert refused.value.code == "invalid_cursor"


def test_the_cursor_of_a_request_uses_the_servers_key(client: TestClient, session: Session) -> None:
    # Made with the test settings' secret ("t" * 40): it decodes with that key, not another.
    _, key = make_key(session, Role.admin)
    for name in NAMES:
        client.post(f"{API}/citizens", json=citizen_payload(name=name), headers=bearer(key))
    cursor = client.get(f"{API}/citizens?limit=1", headers=bearer(key)).json()["next_cursor"]

    with signing_key(cursor_cipher("t" * 40)):
        values = decode_cursor(cursor, 2)
    assert values[0] in NAMES  # the sort key is inside, encrypted
    assert session.get(Citizen, values[1]) is not None
