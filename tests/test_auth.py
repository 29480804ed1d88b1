"""Users, API keys (hashed, shown once), the keys command, passwords and the audit log."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service import cli
from service.auth import passwords
from service.auth import service as auth_service
from service.auth.audit import DETAIL_MAX_CHARS, record_audit
from service.auth.models import ApiKey, AuditEntry, User
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from tests.factories import bearer, make_key

API = "/api/v1"


@pytest.fixture
def admin_principal(session: Session) -> tuple[Principal, dict[str, str]]:
    """An administrator and the headers carrying its key."""
    principal, key = make_key(session, Role.admin, name="Ada Admin")
    return principal, bearer(key)


@pytest.fixture
def admin(admin_principal: tuple[Principal, dict[str, str]]) -> dict[str, str]:
    """Headers of an administrator."""
    return admin_principal[1]


def _create_user(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    payload = {"name": "Bo Bruger", "role": "company_consultant", "municipality_code": "376"}
    payload.update(fields)
    response = client.post(f"{API}/users", json=payload, headers=admin)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _create_key(client: TestClient, admin: dict[str, str], user_id: str, name: str) -> Any:
    response = client.post(f"{API}/users/{user_id}/keys", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


class TestApiKeyStorage:
    def test_only_the_hash_is_stored(self, session: Session) -> None:
        principal, key = make_key(session, Role.caseworker, "360")

        rows = session.execute(
            text("SELECT * FROM api_keys WHERE user_id = :u"), {"u": principal.user_id}
        ).all()

        assert len(rows) == 1
        assert key not in [str(value) for value in rows[0]]
        stored = session.exec(select(ApiKey).where(ApiKey.user_id == principal.user_id)).one()
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert stored.key_prefix == key[:9]
        assert key.startswith("km_")
        assert len(key) >= 40

    def test_keys_are_random(self) -> None:
        keys = {passwords.generate_api_key() for _ in range(50)}

        assert len(keys) == 50

    def test_authenticate_by_key(self, session: Session) -> None:
        principal, key = make_key(session, Role.company_consultant, "376", name="Kim Konsulent")

        found = auth_service.authenticate_api_key(session, key=key)
        wrong = auth_service.authenticate_api_key(session, key=key + "x")

        assert found == principal
        assert wrong is None


class TestUserAndKeyEndpoints:
    def test_create_user(self, client: TestClient, session: Session, admin: dict[str, str]) -> None:
        body = _create_user(
            client, admin, name="Bo Bruger", email="Bo.Bruger@Lolland.DK", password="hemmeligt-123"
        )

        assert body == {
            "id": body["id"],
            "name": "Bo Bruger",
            "email": "bo.bruger@lolland.dk",
            "role": "company_consultant",
            "municipality_code": "376",
            "is_active": True,
            "created_at": body["created_at"],
        }
        assert body["created_at"].endswith("Z")
        stored = session.get(User, body["id"])
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert passwords.verify_password(stored.password_hash, "hemmeligt-123")

    def test_duplicate_email_is_409_whatever_its_case(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        _create_user(client, admin, email="tove@guldborgsund.dk")
        count = len(session.exec(select(User)).all())

        response = client.post(
            f"{API}/users",
            json={"name": "Tove Igen", "role": "admin", "email": "TOVE@guldborgsund.dk"},
            headers=admin,
        )

        assert response.status_code == 409
        assert response.json()["error"]["message"] == (
            "Der findes allerede en bruger med e-mailen tove@guldborgsund.dk"
        )
        assert len(session.exec(select(User)).all()) == count

    def test_list_users_never_shows_password_hashes(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        created = _create_user(client, admin, name="Pia Password", password="et-langt-kodeord")

        response = client.get(f"{API}/users", headers=admin)

        assert response.status_code == 200
        users = {u["id"]: u for u in response.json()}
        assert users[created["id"]]["name"] == "Pia Password"
        assert "password_hash" not in response.text
        assert "argon2" not in response.text
        assert "et-langt-kodeord" not in response.text

    def test_create_key_shows_it_once(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        user = _create_user(client, admin)

        created = _create_key(client, admin, user["id"], "Bustur-script")
        listed = client.get(f"{API}/users/{user['id']}/keys", headers=admin)

        assert created["user_id"] == user["id"]
        assert created["name"] == "Bustur-script"
        assert created["key"].startswith(created["key_prefix"])
        assert listed.status_code == 200
        assert listed.json() == [
            {
                "id": created["id"],
                "user_id": user["id"],
                "name": "Bustur-script",
                "key_prefix": created["key_prefix"],
                "created_at": created["created_at"],
                "revoked_at": None,
            }
        ]
        assert created["key"] not in listed.text
        me = client.get(f"{API}/me", headers=bearer(created["key"]))
        assert me.json() == {
            "user_id": user["id"],
            "name": "Bo Bruger",
            "role": "company_consultant",
            "municipality_code": "376",
        }

    def test_keys_are_listed_newest_first(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        user = _create_user(client, admin)
        for name in ("første", "anden", "tredje"):
            _create_key(client, admin, user["id"], name)

        listed = client.get(f"{API}/users/{user['id']}/keys", headers=admin).json()

        assert [k["name"] for k in listed] == ["tredje", "anden", "første"]

    def test_revoked_key_stops_working_and_others_keep_working(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        user = _create_user(client, admin)
        first = _create_key(client, admin, user["id"], "første")
        second = _create_key(client, admin, user["id"], "anden")
        assert client.get(f"{API}/me", headers=bearer(first["key"])).status_code == 200

        revoked = client.delete(f"{API}/keys/{first['id']}", headers=admin)

        assert revoked.status_code == 200
        assert revoked.json()["id"] == first["id"]
        assert revoked.json()["revoked_at"] is not None
        after = client.get(f"{API}/me", headers=bearer(first["key"]))
        assert after.status_code == 401
        assert after.json()["error"]["code"] == "unauthorized"
        assert client.get(f"{API}/me", headers=bearer(second["key"])).status_code == 200
        listed = {
            k["id"]: k for k in client.get(f"{API}/users/{user['id']}/keys", headers=admin).json()
        }
        assert listed[first["id"]]["revoked_at"] == revoked.json()["revoked_at"]
        assert listed[second["id"]]["revoked_at"] is None

    def test_revoking_twice_keeps_the_first_time(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        user = _create_user(client, admin)
        key = _create_key(client, admin, user["id"], "kortlivet")

        first = client.delete(f"{API}/keys/{key['id']}", headers=admin).json()
        second = client.delete(f"{API}/keys/{key['id']}", headers=admin).json()

        assert second["revoked_at"] == first["revoked_at"]

    def test_unknown_user_and_key_are_404(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        keys_before = len(session.exec(select(ApiKey)).all())

        listing = client.get(f"{API}/users/ingen/keys", headers=admin)
        creating = client.post(f"{API}/users/ingen/keys", json={"name": "x"}, headers=admin)
        revoking = client.delete(f"{API}/keys/ingen", headers=admin)

        assert [r.status_code for r in (listing, creating, revoking)] == [404, 404, 404]
        assert listing.json()["error"]["message"] == "Brugeren ingen findes ikke"
        assert creating.json()["error"]["message"] == "Brugeren ingen findes ikke"
        assert revoking.json()["error"]["message"] == "API-nøglen ingen findes ikke"
        assert len(session.exec(select(ApiKey)).all()) == keys_before

    def test_scoped_roles_need_a_municipality(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        count = len(session.exec(select(User)).all())
        responses = {
            role: client.post(
                f"{API}/users", json={"name": "Uden kommune", "role": role}, headers=admin
            )
            for role in ("caseworker", "company_consultant", "blf_consultant", "integration")
        }

        assert responses["caseworker"].status_code == 422
        assert responses["company_consultant"].status_code == 422
        assert responses["company_consultant"].json()["error"]["fields"] == [
            {
                "field": "municipality_code",
                "message": "Rollen company_consultant skal have en kommunekode (municipality_code)",
            }
        ]
        assert responses["blf_consultant"].status_code == 201
        assert responses["integration"].status_code == 201
        assert len(session.exec(select(User)).all()) == count + 2

    def test_me_describes_the_caller(
        self, client: TestClient, admin_principal: tuple[Principal, dict[str, str]]
    ) -> None:
        principal, headers = admin_principal

        response = client.get(f"{API}/me", headers=headers)

        assert response.json() == {
            "user_id": principal.user_id,
            "name": "Ada Admin",
            "role": "admin",
            "municipality_code": None,
        }


class TestPasswords:
    def test_hash_verifies_and_rejects(self) -> None:
        hashed = passwords.hash_password("korrekt hest batteri")

        assert hashed.startswith("$argon2id$")
        assert "korrekt hest batteri" not in hashed
        assert passwords.verify_password(hashed, "korrekt hest batteri")
        assert not passwords.verify_password(hashed, "korrekt hest batteri ")
        assert not passwords.verify_password(hashed, "")

    def test_same_password_hashes_differently(self) -> None:
        first = passwords.hash_password("samme kodeord")
        second = passwords.hash_password("samme kodeord")

        assert first != second
        assert passwords.verify_password(first, "samme kodeord")
        assert passwords.verify_password(second, "samme kodeord")

    @pytest.mark.parametrize("garbage", ["", "ikke en hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy"])
    def test_malformed_hash_rejects(self, garbage: str) -> None:
        assert passwords.verify_password(garbage, "hvad som helst") is False

    def test_short_password_is_refused(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        response = client.post(
            f"{API}/users",
            json={"name": "Kort", "role": "admin", "email": "kort@x.dk", "password": "kort"},
            headers=admin,
        )

        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {"field": "password", "message": "Skal være mindst 12 tegn"}
        ]
        assert session.exec(select(User).where(User.email == "kort@x.dk")).first() is None


class TestAudit:
    def test_user_and_key_creation_are_audited(
        self,
        client: TestClient,
        admin_principal: tuple[Principal, dict[str, str]],
    ) -> None:
        principal, admin = admin_principal
        user = _create_user(client, admin, name="Revi Sor")
        key = _create_key(client, admin, user["id"], "revisionsnøgle")
        client.delete(f"{API}/keys/{key['id']}", headers=admin)

        user_log = client.get(
            f"{API}/audit", params={"entity_type": "user", "entity_id": user["id"]}, headers=admin
        )
        key_log = client.get(
            f"{API}/audit", params={"entity_type": "api_key", "entity_id": key["id"]}, headers=admin
        )

        assert user_log.status_code == 200
        [user_entry] = user_log.json()["items"]
        assert user_entry["action"] == "create"
        assert user_entry["entity_type"] == "user"
        assert user_entry["entity_id"] == user["id"]
        assert user_entry["actor_user_id"] == principal.user_id
        assert user_entry["actor_name"] == "Ada Admin"
        assert user_entry["actor_role"] == "admin"
        assert user_entry["occurred_at"].endswith("Z")
        assert [(e["action"], e["detail"]) for e in key_log.json()["items"]] == [
            ("create", {"user_id": user["id"], "name": "revisionsnøgle"}),
            ("revoke", None),
        ]
        assert key_log.json()["next_cursor"] is None

    def test_filter_by_entity_type_only(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        _create_user(client, admin, name="En")
        _create_user(client, admin, name="To")

        response = client.get(
            f"{API}/audit", params={"entity_type": "user", "limit": 500}, headers=admin
        )

        items = response.json()["items"]
        assert {e["entity_type"] for e in items} == {"user"}
        stored = session.exec(select(AuditEntry).where(AuditEntry.entity_type == "user")).all()
        assert [e["id"] for e in items] == sorted(e.id for e in stored if e.id is not None)

    def test_audit_pages_oldest_first(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        user = _create_user(client, admin)
        for name in ("a", "b", "c", "d", "e"):
            _create_key(client, admin, user["id"], name)

        names: list[str] = []
        params: dict[str, Any] = {"entity_type": "api_key", "limit": 2}
        page = client.get(f"{API}/audit", params=params, headers=admin).json()
        pages = 1
        while True:
            names.extend(
                e["detail"]["name"] for e in page["items"] if e["detail"]["user_id"] == user["id"]
            )
            if page["next_cursor"] is None:
                break
            page = client.get(
                f"{API}/audit", params={**params, "cursor": page["next_cursor"]}, headers=admin
            ).json()
            pages += 1

        assert names == ["a", "b", "c", "d", "e"]
        assert pages >= 3

    def test_large_detail_is_stored_as_readable_json(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        entry = record_audit(
            session,
            actor=CLI_PRINCIPAL,
            action="import",
            entity_type="test_import",
            entity_id="stor",
            detail={"rows": ['"række" \\ nr. ' + str(i) for i in range(500)]},
        )

        response = client.get(f"{API}/audit", params={"entity_type": "test_import"}, headers=admin)

        assert entry.detail is not None
        assert len(entry.detail) <= DETAIL_MAX_CHARS
        [item] = response.json()["items"]
        assert item["detail"]["truncated"] is True
        assert item["detail"]["preview"].startswith('{"rows": ["\\"række\\"')
        assert json.loads(entry.detail) == item["detail"]

    def test_audit_entry_rolls_back_with_its_transaction(self, engine: Engine) -> None:
        with Session(engine) as session:
            record_audit(
                session, actor=CLI_PRINCIPAL, action="read", entity_type="citizen", entity_id="x1"
            )
            session.rollback()
        with Session(engine) as session:
            rows = session.exec(select(AuditEntry).where(col(AuditEntry.entity_id) == "x1")).all()

        assert rows == []


def _users_in(url: str) -> list[User]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(User)).all())
    finally:
        engine.dispose()


class TestKeysCommand:
    def test_prints_only_the_key_which_then_authenticates(self, cli_database: str) -> None:
        result = CliRunner().invoke(
            cli.app,
            ["keys", "create", "--role", "caseworker", "--municipality", "360", "--name", "X"],
        )

        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert len(lines) == 1
        key = lines[0]
        assert result.stdout == key + "\n"
        assert key.startswith("km_")
        engine = make_engine(cli_database)
        try:
            app = create_app(Settings(environment="test", secret_key="k" * 40), engine=engine)
            with TestClient(app) as client:
                me = client.get(f"{API}/me", headers=bearer(key))
            with Session(engine) as session:
                stored = session.exec(select(ApiKey)).one()
        finally:
            engine.dispose()
        assert me.status_code == 200
        assert me.json()["name"] == "X"
        assert me.json()["role"] == "caseworker"
        assert me.json()["municipality_code"] == "360"
        assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in stored.model_dump_json()

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ([], "municipality_code: Rollen caseworker skal have en kommunekode"),
            (["--municipality", "abc"], "municipality_code: Kommunekoden skal være tre cifre"),
        ],
        ids=["missing", "malformed"],
    )
    def test_scoped_role_needs_a_valid_municipality(
        self, cli_database: str, arguments: list[str], message: str
    ) -> None:
        result = CliRunner().invoke(
            cli.app, ["keys", "create", "--role", "caseworker", "--name", "Y", *arguments]
        )

        assert result.exit_code == 1
        assert result.stdout == ""
        assert message in result.stderr
        assert result.stderr.startswith("Fejl: ")
        assert "Traceback" not in result.stderr
        assert _users_in(cli_database) == []

    def test_unknown_role_is_refused(self, cli_database: str) -> None:
        result = CliRunner().invoke(
            cli.app, ["keys", "create", "--role", "superuser", "--name", "Z"]
        )

        assert result.exit_code == 2
        assert result.stdout == ""
        assert "superuser" in result.stderr
        assert _users_in(cli_database) == []


class TestUsersCommand:
    def test_creates_a_user_with_an_argon2_password(self, cli_database: str) -> None:
        result = CliRunner().invoke(
            cli.app,
            [
                "users",
                "create",
                "--name",
                "Lis Login",
                "--email",
                "Lis@Lolland.dk",
                "--role",
                "caseworker",
                "--municipality",
                "360",
                "--password",
                "et-rigtig-langt-kodeord",
            ],
        )

        assert result.exit_code == 0, result.output
        [user] = _users_in(cli_database)
        assert result.stdout == f"Bruger oprettet: {user.id} Lis Login (caseworker)\n"
        assert user.email == "lis@lolland.dk"
        assert user.password_hash is not None
        assert passwords.verify_password(user.password_hash, "et-rigtig-langt-kodeord")
        assert not passwords.verify_password(user.password_hash, "et-forkert-kodeord")

    def test_refuses_a_short_password_without_a_traceback(self, cli_database: str) -> None:
        result = CliRunner().invoke(
            cli.app,
            ["users", "create", "--name", "K", "--email", "k@x.dk", "--role", "admin"],
            input="kort\nkort\n",
        )

        assert result.exit_code == 1
        assert "password: Skal være mindst 12 tegn" in result.stderr
        assert "Traceback" not in result.stderr
        assert _users_in(cli_database) == []
