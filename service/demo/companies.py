"""Fictional, reproducible demo companies for Lolland and Guldborgsund (marked ``is_demo``).

Every company, person and phone number here is invented. Proportions follow the evaluation
(VIVE 2020): sectors as Table 2.4, sizes and ownership as Figure 5.1, tasks for unskilled
people and start requirements as chapter 5. CVR numbers carry valid check digits but start
with 9, a range not yet issued, so they cannot clash with real companies' numbers.
"""

from __future__ import annotations

import random
from typing import Any

from service.companies.codes import cvr_check_digit
from service.demo.common import DEMO_SEED, SURNAMES, pick, weighted
from service.places import LOLLAND, postal_codes
from service.sectors import SURVEY_COMPANIES_BY_SECTOR, Sector

DEMO_COMPANY_COUNT = 400

# Industry codes (DB07) and name parts per sector; codes are real DB07 sub-groups.
_SECTOR_PROFILES: dict[Sector, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Sector.landbrug: (
        ("011100", "011300", "014100", "016100", "021000"),
        ("Gård", "Planteskole", "Gartneri", "Maskinstation", "Frugtplantage"),
    ),
    Sector.industri: (
        ("101300", "107100", "162300", "251100", "281400", "310100"),
        ("Bageri", "Pølsemageri", "Træindustri", "Smedie", "Maskinfabrik", "Møbelfabrik"),
    ),
    Sector.bygge_anlaeg: (
        ("412000", "432100", "433200", "433400", "439900"),
        ("Byggefirma", "El-service", "Tømrer og Snedker", "Malerfirma", "Entreprenør"),
    ),
    Sector.detailhandel: (
        ("471100", "472400", "475900", "476400", "477800", "952900"),
        ("Dagligvarer", "Bager og Kiosk", "Boligudstyr", "Sport", "Genbrug", "Reparation"),
    ),
    Sector.anden_handel: (
        ("451120", "452000", "462100", "463100", "469000"),
        ("Autohandel", "Autoværksted", "Foderstof", "Frugtengros", "Engros"),
    ),
    Sector.hoteller_restauranter: (
        ("551010", "561010", "562100", "563000"),
        ("Hotel", "Restaurant", "Kantine og Catering", "Café"),
    ),
    Sector.sociale_institutioner: (
        ("871000", "873000", "881000", "889100"),
        ("Plejecenter", "Bosted", "Hjemmehjælp", "Børnehave"),
    ),
    Sector.foreninger_kultur_renovation: (
        ("381100", "382100", "910100", "931200", "949900"),
        ("Genbrugsplads", "Affald og Miljø", "Bibliotek", "Idrætsforening", "Forening"),
    ),
    Sector.offentlig_adm_undervisning_sundhed: (
        ("841100", "852010", "853100", "861000"),
        ("Kommunal Service", "Skole", "Produktionsskole", "Sygehusservice"),
    ),
    Sector.andre_brancher: (
        ("812100", "494100", "521000", "532000", "813000", "960200"),
        ("Rengøring", "Vognmand", "Lager og Logistik", "Budservice", "Anlægsgartner", "Frisør"),
    ),
}
_FIRST_NAMES = (
    "Anne",
    "Mette",
    "Hanne",
    "Susanne",
    "Lene",
    "Marianne",
    "Peter",
    "Jens",
    "Lars",
    "Michael",
    "Henrik",
    "Søren",
    "Thomas",
    "Jan",
    "Kirsten",
    "Bente",
)
_STREETS = (
    "Vestergade",
    "Østergade",
    "Nørregade",
    "Søndergade",
    "Havnegade",
    "Jernbanegade",
    "Industrivej",
    "Stationsvej",
    "Skolevej",
    "Kirkevej",
    "Møllevej",
    "Engvej",
)
_TITLES = ("Indehaver", "Direktør", "Driftsleder", "Butikschef", "Køkkenchef", "HR-ansvarlig")
# Towns weighted by how many companies a demo town gets (larger towns more).
_TOWN_WEIGHTS = {
    "4900": 14,
    "4930": 9,
    "4970": 5,
    "4960": 3,
    "4920": 3,
    "4990": 6,
    "4800": 22,
    "4840": 3,
    "4850": 4,
    "4880": 3,
    "4874": 2,
    "4952": 2,
    "4913": 2,
    "4943": 1,
    "4871": 1,
    "4872": 1,
    "4892": 1,
    "4891": 2,
}
# Figure 5.1: 27 % with 0-5 employees, half under 50, 12 % with 100 or more.
_SIZE_SHARES = {"0-5": 27, "6-19": 14, "20-49": 9, "50-99": 38, "100+": 12}
_SECTOR_TYPE_SHARES = {"private": 65, "municipal": 20, "other": 15}
_UNSKILLED_SHARES = {"many": 38, "few": 57, "none": 5}
# Chapter 5: share answering "very important" / "somewhat important" at the start.
_REQUIREMENT_SHARES = {
    "attendance_stability": (76, 19),
    "hygiene": (64, 30),
    "no_substance_abuse": (60, 26),
    "clean_criminal_record": (49, 25),
    "cooperation": (50, 40),
    "danish_language": (21, 62),
    "physical_health": (26, 57),
    "no_mental_illness": (17, 55),
}


def demo_cvr(rng: random.Random, taken: set[str]) -> str:
    """A fresh CVR number with a valid check digit in the unissued 9xxxxxxx range."""
    while True:
        first_seven = "9" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = cvr_check_digit(first_seven)
        if digit is not None and (cvr := f"{first_seven}{digit}") not in taken:
            taken.add(cvr)
            return cvr


def _sector_counts(total: int) -> dict[Sector, int]:
    # Scale Table 2.4 to the requested total, largest remainders first.
    survey_total = sum(SURVEY_COMPANIES_BY_SECTOR.values())
    exact = {s: n * total / survey_total for s, n in SURVEY_COMPANIES_BY_SECTOR.items()}
    counts = {s: int(v) for s, v in exact.items()}
    for sector in sorted(exact, key=lambda s: exact[s] - counts[s], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[sector] += 1
    return counts


def demo_companies(seed: int = DEMO_SEED, count: int = DEMO_COMPANY_COUNT) -> list[dict[str, Any]]:
    """The demo companies as API payloads, the same for the same seed."""
    rng = random.Random(seed)
    places = postal_codes()
    taken: set[str] = set()
    names: set[str] = set()
    payloads: list[dict[str, Any]] = []
    for sector, n in _sector_counts(count).items():
        codes, kinds = _SECTOR_PROFILES[sector]
        for _ in range(n):
            postal_code = weighted(rng, _TOWN_WEIGHTS)
            place = places[postal_code]
            if place.lat is None or place.lon is None:  # every demo town has a shipped centre
                raise ValueError(f"postal code {postal_code} has no coordinates")
            kind_index = rng.randrange(len(kinds))
            name = f"{pick(rng, SURNAMES)}s {kinds[kind_index]}"
            if rng.random() < 0.4:
                name = f"{place.city.split()[0]} {kinds[kind_index]}"
            while name in names:
                name = f"{name} {pick(rng, ('ApS', 'A/S', 'I/S', 'og Søn', 'Syd', 'Nord'))}"
            names.add(name)
            first, last = pick(rng, _FIRST_NAMES), pick(rng, SURNAMES)
            owner = (
                "blf"
                if rng.random() < 0.3
                else "jc_lolland"
                if place.municipality_code == LOLLAND
                else "jc_guldborgsund"
            )
            requirements = {}
            for key, (very, somewhat) in _REQUIREMENT_SHARES.items():
                draw = rng.random() * 100
                requirements[key] = (
                    "required"
                    if draw < very
                    else "preferred"
                    if draw < very + somewhat
                    else "not_important"
                )
            payloads.append(
                {
                    "cvr": demo_cvr(rng, taken),
                    "name": name,
                    "address": f"{pick(rng, _STREETS)} {rng.randint(1, 120)}",
                    "postal_code": postal_code,
                    "lat": round(place.lat + rng.uniform(-0.012, 0.012), 5),
                    "lon": round(place.lon + rng.uniform(-0.02, 0.02), 5),
                    "db07_code": codes[min(kind_index, len(codes) - 1)],
                    "size_band": weighted(rng, _SIZE_SHARES),
                    "sector_type": weighted(rng, _SECTOR_TYPE_SHARES),
                    "contact_owner": owner,
                    "is_ambassador": rng.random() < 51 / 311,
                    "accepts_visits": rng.random() < 0.4,
                    "unskilled_tasks": weighted(rng, _UNSKILLED_SHARES),
                    "recruitment_difficulty": pick(rng, ("low", "medium", "medium", "high")),
                    "requirements": requirements,
                    "is_paused": rng.random() < 0.04,
                    "monthly_capacity": rng.randint(1, 4),
                    "contacts": [
                        {
                            "name": f"{first} {last}",
                            "title": pick(rng, _TITLES),
                            # 00-numbers are not issued in Denmark: clearly fictional.
                            "phone": f"00{rng.randint(0, 999999):06d}",
                            "email": f"{first.lower()}.{last.lower()}@demo.invalid".replace(
                                "ø", "oe"
                            ),
                            "is_primary": True,
                        }
                    ],
                }
            )
    return payloads
