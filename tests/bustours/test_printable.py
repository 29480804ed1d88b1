"""The printed outputs of a saved tour: HTML for the bus, CSV and the SVG sketch."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.bustours.render import CSV_COLUMNS
from tests.bustours.helpers import API, FACTORY, INN, SHOP, World, build_world, plan
from tests.citizens.helpers import add_bip

SVG = "{http://www.w3.org/2000/svg}"
FULL_NAMES = ("Anne Hansen", "Bo Jensen", "Carla Nielsen", "Anne Krogh", "Dennis Olsen")
SURNAMES = ("Hansen", "Jensen", "Nielsen", "Krogh", "Olsen", "Petersen")
# What the citizen payload holds that must never be printed: a limit, a note, BIP wording.
PRIVATE = ("Tåler ikke støv", "formiddagen", "grænsen på", "BIP", "helbred", "SAG-")


@pytest.fixture
def tour(client: TestClient, session: Session) -> tuple[World, dict[str, Any]]:
    world = build_world(session)
    add_bip(session, world.group[0], "2026-01-10", {"health": 1, "job_goal": 2})
    return world, plan(client, world)


def _get(client: TestClient, world: World, path: str) -> Any:
    response = client.get(f"{API}/bus-tours/{path}", headers=world.headers)
    assert response.status_code == 200, response.text
    return response


class TestHtml:
    def test_one_page_with_timetable_addresses_contacts_and_who(
        self, client: TestClient, tour: tuple[World, dict[str, Any]]
    ) -> None:
        world, body = tour

        response = _get(client, world, f"{body['id']}.html")

        html = response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "@page { size: A4 portrait" in html
        assert "<h1>Bustur 12-05-2026 fra Startpunkt 54.8000, 11.4000</h1>" in html
        assert "Afgang kl. <strong>09:00</strong>" in html
        assert "hjemme ca. kl. <strong>12:19</strong> (senest 15:00)" in html
        assert "62,2 km, 3 t 19 min i alt" in html
        for stop in body["stops"]:
            assert f"{stop['arrive_at']}&ndash;{stop['leave_at']}" in html
        # The stops appear in visiting order.
        positions = [html.index(f"<strong>{s['company_name']}</strong>") for s in body["stops"]]
        assert positions == sorted(positions)
        assert "Hovedgaden 1, 4990" in html
        assert "Kirsten Holm<br>tlf. +45 54 12 34 56" in html
        assert "Jens Madsen<br>tlf. +45 54 22 33 44" in html
        assert '<td class="for">Anne H., Bo, Dennis</td>' in html
        assert '<td class="for">Carla, Anne K., Eva</td>' in html
        assert "Deltagere (6):</strong> Anne H., Bo, Carla, Anne K., Dennis, Eva" in html
        assert "Dennis: foretrækker branchen industri" in html
        assert "fugleflugt x 1,3" in html
        assert "60 km/t" in html

    def test_no_full_names_limits_notes_or_bip(
        self, client: TestClient, tour: tuple[World, dict[str, Any]]
    ) -> None:
        world, body = tour

        outputs = [
            _get(client, world, f"{body['id']}{suffix}").text
            for suffix in ("", ".html", ".csv", ".svg")
        ]

        for text in outputs:
            for forbidden in (*FULL_NAMES, *SURNAMES, *PRIVATE):
                assert forbidden not in text, forbidden


class TestCsv:
    def test_columns_and_rows_in_visiting_order(
        self, client: TestClient, tour: tuple[World, dict[str, Any]]
    ) -> None:
        world, body = tour

        response = _get(client, world, f"{body['id']}.csv")

        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")  # BOM for Excel
        rows = list(
            csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        )
        assert tuple(rows[0]) == CSV_COLUMNS
        assert [r["Stop"] for r in rows] == ["start", "1", "2", "3", "retur"]
        assert rows[0]["Afgang"] == "09:00"
        assert rows[-1]["Ankomst"] == "12:19"
        assert rows[-1]["Kørsel minutter"] == str(body["home"]["drive_minutes"])
        stops = {r["Virksomhed"]: r for r in rows[1:4]}
        assert [r["Virksomhed"] for r in rows[1:4]] == [s["company_name"] for s in body["stops"]]
        shop = stops[SHOP]
        assert shop["Adresse"] == "Hovedgaden 1"
        assert shop["Postnummer"] == "4990"
        assert shop["Branche"] == "Detailhandel og reparationsvirksomhed undtagen med biler"
        assert shop["Kontaktperson"] == "Kirsten Holm"
        assert shop["Telefon"] == "'+45 54 12 34 56"
        assert shop["For borgere"] == "Anne H., Bo, Carla, Anne K."
        assert stops[FACTORY]["For borgere"] == "Anne H., Bo, Dennis"
        assert stops[INN]["For borgere"] == "Carla, Anne K., Eva"
        assert "Eva: foretrækker branchen hoteller og restauranter" in stops[INN]["Begrundelser"]
        for row, stop in zip(rows[1:4], body["stops"], strict=True):
            assert (row["Ankomst"], row["Afgang"]) == (stop["arrive_at"], stop["leave_at"])
            assert row["Kørsel km"] == f"{stop['drive_km']:.1f}".replace(".", ",")


class TestSvg:
    def test_the_stops_in_order(
        self, client: TestClient, tour: tuple[World, dict[str, Any]]
    ) -> None:
        world, body = tour

        response = _get(client, world, f"{body['id']}.svg")

        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)
        groups = root.findall(f"{SVG}g[@class='stop']")
        assert [g.get("data-order") for g in groups] == ["1", "2", "3"]
        labels = [g.find(f"{SVG}text[@class='stop-label']") for g in groups]
        texts = [label.text or "" for label in labels if label is not None]
        assert texts == [
            f"{s['order']}. {s['company_name']} {s['arrive_at']}–{s['leave_at']}"
            for s in body["stops"]
        ]
        polyline = root.find(f"{SVG}polyline")
        assert polyline is not None
        points = re.findall(r"[\d.]+,[\d.]+", polyline.get("points", ""))
        assert len(points) == 5  # start, three stops, back to the start
        assert points[0] == points[-1]
