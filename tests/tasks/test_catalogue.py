"""The versioned catalogue in the database, its API, and `kantmatch init` loading the cards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from service import cli, clock
from service.auth.principal import CLI_PRINCIPAL, Role
from service.config import get_settings
from service.sectors import Sector
from service.tasks import catalogue
from service.tasks.cards import CardSet, SectorCard, default_cards_dir
from service.tasks.exceptions import CatalogueConflictError
from service.tasks.models import CatalogueVersion, Task
from service.tasks.schemas import CatalogueStatus
from tests.tasks.helpers import API, headers_for


def edited(card_set: CardSet, slug: str, change: Any) -> CardSet:
    """The card set with one card changed by ``change(data)`` (a dict of the card)."""
    cards = []
    for card in card_set.cards:
        if card.slug == slug:
            data = card.model_dump(mode="json")
            change(data)
            card = SectorCard.model_validate(data)
        cards.append(card)
    return CardSet(cards=tuple(cards), content_hash=f"edited-{slug}")


def version_count(session: Session) -> int:
    """How many catalogue versions are stored."""
    return int(session.exec(select(func.count()).select_from(CatalogueVersion)).one())


def sync(session: Session, card_set: CardSet) -> CatalogueStatus:
    """Load a card set in the test's transaction."""
    return catalogue.sync_catalogue(session, card_set=card_set, source="test", actor=CLI_PRINCIPAL)


def next_generation(data: dict[str, Any]) -> None:
    """Rename one task, replace another and add a new one on the cleaning card."""
    data["tasks"][0]["name"] = "Rengøring af toiletter og baderum"
    removed = next(t for t in data["tasks"] if t["id"] == "rengoering.strygning")
    data["tasks"].remove(removed)
    data["tasks"].append({**removed, "id": "rengoering.tekstilpleje", "name": "Tekstilpleje"})
    new = {**data["tasks"][1], "id": "rengoering.affedtning", "name": "Affedtning af emhætter"}
    new["synonyms"] = ["rense emhætter", "affedte emhætten"]
    data["tasks"].append(new)
    data["deprecated"] = [
        {
            "id": "rengoering.strygning",
            "replaced_by": "rengoering.tekstilpleje",
            "reason": "Samlet med foldning og pletfjerning",
        }
    ]


class TestLoading:
    def test_the_shipped_cards_are_all_in_the_database(
        self, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        active = session.exec(select(Task).where(Task.status == "active")).all()
        opvask = session.get(Task, "koekken.opvask")

        assert len(active) == 190
        assert loaded_catalogue.version is not None
        assert opvask is not None
        assert (opvask.demand_physical, opvask.demand_contact, opvask.demand_pace) == (3, 1, 3)
        assert (opvask.learning_days, opvask.learnable_within_week) == (1, True)
        assert (opvask.hours_min, opvask.hours_max, opvask.criticality) == (4, 25, "nice_to")
        assert opvask.requires_food_hygiene is False  # the card clears its default for dishes
        assert session.get(Task, "koekken.groentsager").requires_food_hygiene is True  # type: ignore[union-attr]

    def test_loading_again_changes_nothing(
        self, session: Session, loaded_catalogue: CatalogueStatus, card_set: CardSet
    ) -> None:
        before = version_count(session)

        status = sync(session, card_set)

        assert status.changed is False
        assert (status.added, status.changed_tasks, status.deprecated) == ([], [], [])
        assert status.version == catalogue.latest_version(session).version  # type: ignore[union-attr]
        assert status.active_tasks == 190
        assert version_count(session) == before

    def test_a_change_makes_a_new_version_and_deprecates_with_the_replacement(
        self, session: Session, loaded_catalogue: CatalogueStatus, card_set: CardSet
    ) -> None:
        previous = catalogue.latest_version(session)
        assert previous is not None

        status = sync(session, edited(card_set, "rengoering", next_generation))

        assert status.changed
        assert status.version == previous.version + 1
        assert sorted(status.added) == ["rengoering.affedtning", "rengoering.tekstilpleje"]
        assert status.changed_tasks == ["rengoering.toiletter"]
        assert status.deprecated == ["rengoering.strygning"]
        assert status.warnings == []
        old = session.get(Task, "rengoering.strygning")
        assert old is not None
        assert (old.status, old.replaced_by, old.deprecated_in_version) == (
            "deprecated",
            "rengoering.tekstilpleje",
            status.version,
        )
        renamed = session.get(Task, "rengoering.toiletter")
        assert renamed is not None
        assert (renamed.name, renamed.changed_in_version) == (
            "Rengøring af toiletter og baderum",
            status.version,
        )
        stored = catalogue.latest_version(session)
        assert stored is not None
        assert stored.catalogue_hash != previous.catalogue_hash
        assert stored.summary["deprecated"] == ["rengoering.strygning"]

    def test_a_task_removed_without_a_note_is_deprecated_with_a_warning(
        self, session: Session, loaded_catalogue: CatalogueStatus, card_set: CardSet
    ) -> None:
        status = sync(session, edited(card_set, "landbrug", lambda d: d["tasks"].pop()))

        assert status.deprecated == ["landbrug.skovplantning"]
        assert status.warnings == [
            "landbrug.skovplantning er fjernet fra kortene uden en 'deprecated'-post med afløser"
        ]
        assert session.get(Task, "landbrug.skovplantning").replaced_by is None  # type: ignore[union-attr]

    def test_a_deprecated_id_is_never_used_again(
        self, session: Session, loaded_catalogue: CatalogueStatus, card_set: CardSet
    ) -> None:
        sync(session, edited(card_set, "landbrug", lambda d: d["tasks"].pop()))
        versions = version_count(session)

        with pytest.raises(CatalogueConflictError) as caught:
            sync(session, card_set)

        assert caught.value.status_code == 409
        assert caught.value.problems == [
            f"opgave-id landbrug.skovplantning blev udfaset i version "
            f"{catalogue.latest_version(session).version} og må ikke bruges igen"  # type: ignore[union-attr]
        ]
        assert version_count(session) == versions

    def test_the_normaliser_sees_a_new_version_at_once(
        self,
        client: TestClient,
        session: Session,
        loaded_catalogue: CatalogueStatus,
        card_set: CardSet,
    ) -> None:
        headers = headers_for(session, Role.caseworker, "360")
        before = client.post(
            f"{API}/tasks/normalize", json={"text": "affedte emhætten"}, headers=headers
        )
        assert before.json()["matched"] is False

        sync(session, edited(card_set, "rengoering", next_generation))
        after = client.post(
            f"{API}/tasks/normalize", json={"text": "affedte emhætten"}, headers=headers
        )

        assert after.json()["matched"] is True
        assert after.json()["candidates"][0]["task_id"] == "rengoering.affedtning"
        assert after.json()["catalogue_version"] == before.json()["catalogue_version"] + 1


class TestSectorsApi:
    def test_the_ten_sectors_with_their_cards(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.get(
            f"{API}/sectors", headers=headers_for(session, Role.caseworker, "376")
        )

        assert response.status_code == 200
        body = response.json()
        assert [s["slug"] for s in body["items"]] == [str(s) for s in Sector]
        by_slug = {s["slug"]: s for s in body["items"]}
        assert [c["slug"] for c in by_slug["andre_brancher"]["cards"]] == [
            "andre_brancher",
            "lager_transport",
            "rengoering",
            "udendoers",
        ]
        assert by_slug["andre_brancher"]["task_count"] == 12 + 13 + 14 + 13
        assert [c["slug"] for c in by_slug["hoteller_restauranter"]["cards"]] == [
            "hoteller_restauranter",
            "koekken",
        ]
        assert by_slug["landbrug"]["name"] == "Landbrug, gartneri og skovbrug"
        assert sum(s["task_count"] for s in body["items"]) == 190
        assert body["catalogue_version"] == catalogue.latest_version(session).version  # type: ignore[union-attr]


class TestTasksApi:
    def test_one_task_with_its_levels_and_requirements(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.get(
            f"{API}/tasks/lager_transport.varebil",
            headers=headers_for(session, Role.blf_consultant),
        )

        assert response.status_code == 200
        task = response.json()
        assert task["name"] == "Udbringning med varebil"
        assert task["demands"] == {
            "physical": 3,
            "contact": 3,
            "teamwork": 1,
            "danish": 2,
            "pace": 4,
            "independence": 4,
        }
        assert task["hard_requirements"] == ["driving_licence"]
        assert (task["criticality"], task["learning_days"], task["learnable_within_week"]) == (
            "need_to",
            5,
            True,
        )
        assert task["occupation"] == {"system": "disco08", "code": "8322"}
        assert task["card"] == "lager_transport"
        assert task["sector"] == "andre_brancher"
        assert "køre ud med varer" in task["synonyms"]
        assert task["status"] == "active"
        assert task["replaced_by"] is None

    def test_an_unknown_task_is_404(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.get(
            f"{API}/tasks/koekken.findes_ikke", headers=headers_for(session, Role.admin)
        )

        assert response.status_code == 404
        assert (
            response.json()["error"]["message"]
            == "Opgaven koekken.findes_ikke findes ikke i kataloget"
        )

    def test_a_sector_lists_its_cards_tasks_page_by_page(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        headers = headers_for(session, Role.admin)
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"sector": "hoteller_restauranter", "limit": 10}
            if cursor:
                params["cursor"] = cursor
            body = client.get(f"{API}/tasks", params=params, headers=headers).json()
            seen += [t["id"] for t in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break

        assert pages == 3
        assert len(seen) == 14 + 13 == len(set(seen))
        assert seen == sorted(seen)
        assert {s.split(".")[0] for s in seen} == {"hoteller_restauranter", "koekken"}

    def test_q_ranks_by_similarity_within_the_filters(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        headers = headers_for(session, Role.company_consultant, "360")

        ranked = client.get(f"{API}/tasks", params={"q": "opvask"}, headers=headers).json()
        in_sector = client.get(
            f"{API}/tasks", params={"q": "rengøring", "sector": "bygge_anlaeg"}, headers=headers
        ).json()

        assert ranked["items"][0]["id"] == "koekken.opvask"
        assert ranked["items"][0]["score"] == 100.0
        assert ranked["next_cursor"] is None
        assert in_sector["items"][0]["id"] == "bygge_anlaeg.byggerengoering"
        assert {t["sector"] for t in in_sector["items"]} == {"bygge_anlaeg"}

    def test_deprecated_tasks_are_listed_on_request_and_sync_by_change_time(
        self,
        client: TestClient,
        session: Session,
        loaded_catalogue: CatalogueStatus,
        card_set: CardSet,
    ) -> None:
        headers = headers_for(session, Role.admin)
        mark = clock.now()
        sync(session, edited(card_set, "rengoering", next_generation))
        since = client.get(
            f"{API}/tasks",
            params={"updated_since": mark.isoformat(), "include_deprecated": True},
            headers=headers,
        ).json()
        old = client.get(f"{API}/tasks/rengoering.strygning", headers=headers).json()
        default = client.get(
            f"{API}/tasks", params={"card": "rengoering", "limit": 100}, headers=headers
        )

        assert {t["id"] for t in since["items"]} == {
            "rengoering.strygning",
            "rengoering.tekstilpleje",
            "rengoering.affedtning",
            "rengoering.toiletter",
        }
        assert (old["status"], old["replaced_by"]) == ("deprecated", "rengoering.tekstilpleje")
        assert "rengoering.strygning" not in {t["id"] for t in default.json()["items"]}


class TestNormaliseApi:
    def test_free_text_gives_ranked_tasks_and_the_threshold(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.post(
            f"{API}/tasks/normalize",
            json={"text": "lidt rengøring af toiletter", "limit": 3},
            headers=headers_for(session, Role.caseworker, "360"),
        )

        assert response.status_code == 200
        body = response.json()
        assert body["matched"] is True
        assert body["threshold"] == 60.0
        assert len(body["candidates"]) == 3
        best = body["candidates"][0]
        assert (best["task_id"], best["name"], best["sector"]) == (
            "rengoering.toiletter",
            "Rengøring af toiletter",
            "andre_brancher",
        )
        assert best["above_threshold"] is True
        scores = [c["score"] for c in body["candidates"]]
        assert scores == sorted(scores, reverse=True)
        assert (
            body["message"]
            == f"Forstået som 'Rengøring af toiletter' (score {best['score']:.0f} af 100)"
        )

    def test_no_match_says_so_and_lists_the_near_misses(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.post(
            f"{API}/tasks/normalize",
            json={"text": "undervise i matematik"},
            headers=headers_for(session, Role.blf_consultant),
        )

        body = response.json()
        assert body["matched"] is False
        assert body["candidates"] != []
        assert not any(c["above_threshold"] for c in body["candidates"])
        assert body["unmatched_words"] == ["matematik"]
        assert body["message"].startswith("Ingen opgave nåede tærsklen på 60; nærmeste bud: ")

    def test_a_lower_threshold_can_be_asked_for(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.post(
            f"{API}/tasks/normalize",
            json={"text": "kridte fodboldbanen", "threshold": 50},
            headers=headers_for(session, Role.admin),
        )

        assert (response.json()["matched"], response.json()["threshold"]) == (True, 50.0)
        assert response.json()["candidates"][0]["task_id"] == (
            "foreninger_kultur_renovation.idraetsanlaeg"
        )

    def test_empty_text_is_refused_naming_the_field(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        response = client.post(
            f"{API}/tasks/normalize", json={"text": ""}, headers=headers_for(session, Role.admin)
        )

        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {"field": "text", "message": "Skal være mindst 1 tegn"}
        ]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A fresh SQLite database for the command line, the settings cache cleared around it."""
    monkeypatch.setenv("KANTMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'init.db'}")
    monkeypatch.delenv("KANTMATCH_SECTOR_CARDS_DIR", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


class TestInitCommand:
    def test_init_loads_the_cards_once_and_reports_what_changed(
        self, cli_env: pytest.MonkeyPatch
    ) -> None:
        runner = CliRunner()

        first = runner.invoke(cli.app, ["init"])
        second = runner.invoke(cli.app, ["init"])

        assert first.exit_code == 0, first.output
        assert (
            "Opgavekataloget er indlæst som version 1: 190 nye, 0 ændrede og 0 udfasede opgaver "
            "(190 aktive); kort: 14 nye, 0 ændrede, 0 fjernede." in first.stdout
        )
        assert second.exit_code == 0, second.output
        assert "Opgavekataloget er uændret: version 1, 190 aktive opgaver." in second.stdout

    def test_init_reports_a_changed_folder_as_a_new_version(
        self, cli_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        runner = CliRunner()
        assert runner.invoke(cli.app, ["init"]).exit_code == 0
        folder = tmp_path / "cards"
        folder.mkdir()
        for path in default_cards_dir().glob("*.yaml"):
            (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
        landbrug = yaml.safe_load((folder / "landbrug.yaml").read_text("utf-8"))
        removed = landbrug["tasks"].pop()
        landbrug["deprecated"] = [
            {"id": removed["id"], "replaced_by": "udendoers.plantning", "reason": "Samlet"}
        ]
        (folder / "landbrug.yaml").write_text(yaml.safe_dump(landbrug, allow_unicode=True), "utf-8")
        cli_env.setenv("KANTMATCH_SECTOR_CARDS_DIR", str(folder))
        get_settings.cache_clear()

        result = runner.invoke(cli.app, ["init"])

        assert result.exit_code == 0, result.output
        assert "indlæst som version 2: 0 nye, 0 ændrede og 1 udfasede opgaver (189 aktive)" in (
            result.stdout
        )
        assert "  udfasede: landbrug.skovplantning" in result.stdout

    def test_broken_cards_stop_init_with_every_problem(
        self, cli_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        folder = tmp_path / "broken"
        folder.mkdir()
        card = yaml.safe_load((default_cards_dir() / "koekken.yaml").read_text("utf-8"))
        del card["tasks"][2]["worth_doing"]
        (folder / "koekken.yaml").write_text(yaml.safe_dump(card, allow_unicode=True), "utf-8")
        cli_env.setenv("KANTMATCH_SECTOR_CARDS_DIR", str(folder))
        get_settings.cache_clear()

        result = CliRunner().invoke(cli.app, ["init"])

        assert result.exit_code == 1
        assert "koekken.yaml: tasks.2.worth_doing: Field required" in result.stderr
        assert "Traceback" not in result.stderr

    def test_check_lists_the_cards(self, cli_env: pytest.MonkeyPatch) -> None:
        result = CliRunner().invoke(cli.app, ["tasks", "check"])

        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == "14 kort, 190 opgaver: alle gyldige."


def test_versions_are_numbered_from_one(
    session: Session, loaded_catalogue: CatalogueStatus
) -> None:
    versions = session.exec(
        select(CatalogueVersion.version).order_by(col(CatalogueVersion.version))
    ).all()

    assert versions[0] == 1
    assert list(versions) == list(range(1, len(versions) + 1))
