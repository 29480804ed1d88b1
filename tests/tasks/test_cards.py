"""Every shipped sector card validates; the schema refuses what a card must not contain."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from service.sectors import Sector
from service.tasks.cards import (
    LEARNABLE_WITHIN_WEEK_DAYS,
    CardError,
    CardSet,
    HardRequirement,
    SectorCard,
    check_card_set,
    default_cards_dir,
    parse_card,
    read_cards,
)

CARD_FILES = sorted(default_cards_dir().glob("*.yaml"))
SUB_CARDS = {
    "rengoering": "andre_brancher",
    "lager_transport": "andre_brancher",
    "udendoers": "andre_brancher",
    "koekken": "hoteller_restauranter",
}


def card_data(name: str = "rengoering") -> dict[str, Any]:
    """A shipped card as plain data, to change in a test."""
    data: dict[str, Any] = yaml.safe_load((default_cards_dir() / f"{name}.yaml").read_text())
    return data


def errors_of(data: dict[str, Any]) -> list[str]:
    """The locations and messages of a card's validation errors."""
    with pytest.raises(ValidationError) as caught:
        SectorCard.model_validate(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in caught.value.errors()]


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.stem)
def test_every_card_validates(path: Path) -> None:
    card = parse_card(path.read_text("utf-8"), source=path.name)

    assert card.slug == path.stem
    assert len(card.tasks) >= 12
    for task in card.tasks:
        assert task.worth_doing.strip()
        assert task.synonyms
        assert task.description
        assert task.learnable_within_week == (task.learning_days <= LEARNABLE_WITHIN_WEEK_DAYS)


class TestTheShippedSet:
    def test_one_card_per_sector_and_the_sub_cards(self, card_set: CardSet) -> None:
        slugs = {c.slug: str(c.sector) for c in card_set.cards}

        assert {s for s in slugs if s in {str(x) for x in Sector}} == {str(x) for x in Sector}
        assert {s: slugs[s] for s in SUB_CARDS} == SUB_CARDS
        assert len(card_set.cards) == 14
        assert len(card_set.tasks) == 190

    def test_cross_sector_cards_are_cleaning_outdoor_and_kitchen(self, card_set: CardSet) -> None:
        assert {c.slug for c in card_set.cards if c.cross_sector} == {
            "rengoering",
            "udendoers",
            "koekken",
        }

    def test_ids_are_unique_across_cards(self, card_set: CardSet) -> None:
        ids = [task.id for _, task in card_set.tasks]

        assert len(ids) == len(set(ids))
        assert check_card_set(list(card_set.cards)) == []

    def test_most_tasks_suit_a_first_placement(self, card_set: CardSet) -> None:
        tasks = [task for _, task in card_set.tasks]
        nice_to = [t for t in tasks if t.criticality == "nice_to"]
        quick = [t for t in tasks if t.learnable_within_week]

        # Citizens start on nice-to tasks they can learn within a week (DOMAIN.md).
        assert len(nice_to) / len(tasks) > 0.9
        assert len(quick) / len(tasks) > 0.9
        assert all(1 <= t.hours_per_week.min <= t.hours_per_week.max <= 37 for t in tasks)

    def test_hard_requirements_where_the_work_needs_them(self, card_set: CardSet) -> None:
        by_id = {task.id: task for _, task in card_set.tasks}

        assert HardRequirement.driving_licence in by_id["lager_transport.varebil"].requirements
        assert HardRequirement.food_hygiene in by_id["koekken.groentsager"].requirements
        assert (
            HardRequirement.child_certificate
            in by_id["sociale_institutioner.legeplads"].requirements
        )
        assert by_id["rengoering.toiletter"].requirements == []

    def test_the_readme_describes_every_field(self) -> None:
        readme = (default_cards_dir() / "README.md").read_text("utf-8")

        for field in (
            "worth_doing",
            "synonyms",
            "demands",
            "learning_days",
            "learnable_within_week",
            "criticality",
            "requirements",
            "hours_per_week",
            "placement_types",
            "occupation",
            "deprecated",
            "replaced_by",
            "cross_sector",
            "sources",
        ):
            assert f"`{field}`" in readme, field


class TestTheSchemaRefuses:
    def test_a_task_without_worth_doing(self) -> None:
        data = card_data()
        del data["tasks"][0]["worth_doing"]

        assert errors_of(data) == ["tasks.0.worth_doing: Field required"]

    def test_an_empty_worth_doing(self) -> None:
        data = card_data()
        data["tasks"][3]["worth_doing"] = "   "

        assert errors_of(data)[0].startswith("tasks.3.worth_doing: String should have at least 20")

    def test_fewer_than_twelve_tasks(self) -> None:
        data = card_data()
        data["tasks"] = data["tasks"][:11]

        assert errors_of(data) == [
            "tasks: List should have at least 12 items after validation, not 11"
        ]

    def test_a_demand_level_out_of_range_or_missing(self) -> None:
        data = card_data()
        data["tasks"][0]["demands"]["pace"] = 6
        del data["tasks"][1]["demands"]["danish"]

        assert errors_of(data) == [
            "tasks.0.demands.pace: Input should be less than or equal to 5",
            "tasks.1.demands.danish: Field required",
        ]

    def test_an_unknown_requirement_criticality_or_placement_type(self) -> None:
        data = card_data()
        data["tasks"][0]["requirements"] = ["forklift"]
        data["tasks"][1]["criticality"] = "must"
        data["tasks"][2]["placement_types"] = ["fleksjob"]

        assert [e.split(":")[0] for e in errors_of(data)] == [
            "tasks.0.requirements.0",
            "tasks.1.criticality",
            "tasks.2.placement_types.0",
        ]

    def test_a_task_id_outside_its_card(self) -> None:
        data = card_data()
        data["tasks"][0]["id"] = "koekken.toiletter"

        assert "starts with its card's slug (rengoering.)" in errors_of(data)[0]

    def test_the_same_id_twice_on_a_card(self) -> None:
        data = card_data()
        data["tasks"][1]["id"] = data["tasks"][0]["id"]

        assert "task ids used twice: rengoering.toiletter" in errors_of(data)[0]

    def test_a_sub_card_without_its_sector_as_parent(self) -> None:
        data = card_data()
        data["parent"] = None

        assert "a sub-card names its sector's card as parent" in errors_of(data)[0]

    def test_a_bad_occupation_code(self) -> None:
        data = card_data()
        data["tasks"][0]["occupation"] = {"system": "disco08", "code": "91x2"}

        assert "a DISCO-08 code has 4 to 6 digits" in errors_of(data)[0]

    def test_unknown_fields(self) -> None:
        data = card_data()
        data["tasks"][0]["salary"] = 150

        assert errors_of(data) == ["tasks.0.salary: Extra inputs are not permitted"]


class TestCardSets:
    def _write(self, folder: Path, *cards: dict[str, Any]) -> None:
        for card in cards:
            (folder / f"{card['slug']}.yaml").write_text(yaml.safe_dump(card, allow_unicode=True))

    def _all(self) -> list[dict[str, Any]]:
        return [yaml.safe_load(p.read_text()) for p in CARD_FILES]

    def test_a_missing_sector_is_named(self, tmp_path: Path) -> None:
        self._write(tmp_path, *[c for c in self._all() if c["slug"] != "landbrug"])

        with pytest.raises(CardError) as caught:
            read_cards(tmp_path)

        assert caught.value.problems == ["no card for sector(s): landbrug"]

    def test_a_deprecated_id_may_not_come_back(self, tmp_path: Path) -> None:
        cards = self._all()
        cleaning = next(c for c in cards if c.get("slug") == "rengoering")
        cleaning["deprecated"] = [{"id": "rengoering.toiletter", "reason": "prøve"}]
        self._write(tmp_path, *cards)

        with pytest.raises(CardError) as caught:
            read_cards(tmp_path)

        assert caught.value.problems == [
            "rengoering.yaml: (card): Value error, rengoering: task ids used twice: "
            "rengoering.toiletter"
        ]

    def test_a_replacement_must_be_an_active_task(self, tmp_path: Path) -> None:
        cards = self._all()
        cleaning = next(c for c in cards if c.get("slug") == "rengoering")
        cleaning["deprecated"] = [
            {"id": "rengoering.gammel", "replaced_by": "rengoering.findes_ikke", "reason": "prøve"},
            {"id": "rengoering.aeldre", "replaced_by": "koekken.opvask", "reason": "flyttet"},
        ]
        self._write(tmp_path, *cards)

        with pytest.raises(CardError) as caught:
            read_cards(tmp_path)

        assert caught.value.problems == [
            "rengoering.gammel is replaced by rengoering.findes_ikke, which is not a task"
        ]

    def test_every_problem_in_a_folder_is_reported_with_its_file(self, tmp_path: Path) -> None:
        cards = self._all()
        broken = copy.deepcopy(next(c for c in cards if c["slug"] == "koekken"))
        del broken["tasks"][0]["worth_doing"]
        self._write(tmp_path, *[c for c in cards if c["slug"] != "koekken"], broken)
        (tmp_path / "ikke_yaml.yaml").write_text("slug: [unclosed")

        with pytest.raises(CardError) as caught:
            read_cards(tmp_path)

        assert caught.value.problems[0].startswith("ikke_yaml.yaml: not valid YAML")
        assert caught.value.problems[1] == "koekken.yaml: tasks.0.worth_doing: Field required"

    def test_the_same_content_gives_the_same_hash(self, tmp_path: Path, card_set: CardSet) -> None:
        self._write(tmp_path, *self._all())

        assert read_cards(tmp_path).content_hash == card_set.content_hash
