"""Fictional, reproducible demo citizens with BIP measurements (all marked ``is_demo``).

Every person here is invented. What follows the evaluation (VIVE 2020):
- 663 citizens, 385 in Lolland and 278 in Guldborgsund (chapter 6);
- gender and age bands per municipality as Table 6.1 (stored only as fairness attributes);
- first BIP measurements for 557 citizens, 82 in the group that later got paid hours and 475 in
  the group that did not, whose means per indicator are those of Table 6.17 for each group;
- second measurements for 206 of them (32 and 174, as Table 6.18) that move by Table 6.18's
  change between the first and second means of each group.
Everything else (names, towns, transport, hours, wishes, limits, dates, Danish level) is
illustrative: plausible for the programme, not taken from any table.

The answers are built, not sampled: for each group and indicator the multiset of answers has
exactly the table's mean (to the nearest whole sum), spread around it, and is handed out so
that citizens with more overall readiness tend to answer higher on every indicator.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, func, select

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL
from service.citizens import measurements
from service.citizens import service as citizens_service
from service.citizens.bip import INDICATORS, add_months
from service.citizens.models import Citizen
from service.citizens.schemas import BipMeasurementCreate, CitizenCreate
from service.demo.common import DEMO_SEED, DEMO_STAFF_KEYS, SURNAMES, largest_remainder
from service.places import GULDBORGSUND, LOLLAND, postal_codes

CITIZENS_BY_MUNICIPALITY = {LOLLAND: 385, GULDBORGSUND: 278}

# Table 6.17: mean answer at the first measurement; group 1 got paid hours (n=82), group 2 did
# not (n=475); "all" (n=557) is their weighted mean.
FIRST_MEASUREMENTS = {"paid_hours": 82, "no_paid_hours": 475}
TABLE_6_17: dict[str, dict[str, float]] = {
    "all": {
        "job_goal": 2.95,
        "substance_abuse": 4.64,
        "daily_energy": 3.15,
        "social_support": 3.78,
        "cooperation": 3.92,
        "contacting_strangers": 3.44,
        "health": 2.86,
        "competences_usable": 3.54,
        "can_manage_job": 3.12,
        "job_search_knowledge": 3.15,
    },
    "paid_hours": {
        "job_goal": 3.82,
        "substance_abuse": 4.83,
        "daily_energy": 4.04,
        "social_support": 3.73,
        "cooperation": 4.10,
        "contacting_strangers": 3.86,
        "health": 3.80,
        "competences_usable": 4.08,
        "can_manage_job": 4.16,
        "job_search_knowledge": 3.90,
    },
    "no_paid_hours": {
        "job_goal": 2.80,
        "substance_abuse": 4.60,
        "daily_energy": 2.99,
        "social_support": 3.79,
        "cooperation": 3.89,
        "contacting_strangers": 3.37,
        "health": 2.70,
        "competences_usable": 3.44,
        "can_manage_job": 2.94,
        "job_search_knowledge": 3.02,
    },
}
# Table 6.18: second minus first mean for the 206 with a second measurement (32 and 174).
# Taken from the table's mean columns; its "development" column prints 0.75 for job_goal in
# group 2, which its own means (2.99 -> 3.06) contradict, so the means are used.
SECOND_MEASUREMENTS = {"paid_hours": 32, "no_paid_hours": 174}
TABLE_6_18_CHANGE: dict[str, dict[str, float]] = {
    "paid_hours": {
        "job_goal": 0.24,
        "substance_abuse": 0.12,
        "daily_energy": 0.39,
        "social_support": 0.09,
        "cooperation": 0.21,
        "contacting_strangers": 0.06,
        "health": 0.06,
        "competences_usable": 0.49,
        "can_manage_job": 0.12,
        "job_search_knowledge": 0.24,
    },
    "no_paid_hours": {
        "job_goal": 0.07,
        "substance_abuse": 0.0,
        "daily_energy": 0.22,
        "social_support": 0.0,
        "cooperation": 0.07,
        "contacting_strangers": 0.20,
        "health": 0.15,
        "competences_usable": 0.07,
        "can_manage_job": 0.16,
        "job_search_knowledge": 0.09,
    },
}
# Table 6.1, per cent: men, and the age bands 18-29, 30-39, 40-49, 50-59, 60+.
MEN_SHARE = {LOLLAND: 47.8, GULDBORGSUND: 47.5}
AGE_BANDS = ((18, 29), (30, 39), (40, 49), (50, 59), (60, 66))
AGE_SHARES = {
    LOLLAND: (8.6, 31.2, 31.7, 23.4, 5.2),
    GULDBORGSUND: (5.8, 38.8, 28.4, 21.6, 5.4),
}
# Illustrative: a few answers left unanswered, so "missing stays missing" shows in the demo.
MISSING_ANSWER_SHARE = 0.015

_FEMALE_NAMES = (
    "Anne", "Mette", "Camilla", "Louise", "Maria", "Sanne", "Tina", "Heidi", "Janni", "Line",
    "Rikke", "Susanne", "Pia", "Dorthe", "Gitte", "Nadia", "Sara", "Amalie", "Jeanette", "Vivi",
)  # fmt: skip
_MALE_NAMES = (
    "Jens", "Lars", "Michael", "Henrik", "Thomas", "Brian", "Kenneth", "René", "Jesper", "Martin",
    "Kim", "Dennis", "Jan", "Bo", "Ali", "Mads", "Nicolai", "Kasper", "Allan", "Ole",
)  # fmt: skip
# Towns weighted roughly by size; the rest of each municipality's postal codes weigh 1.
_TOWN_WEIGHTS = {
    "4900": 30, "4930": 14, "4970": 8, "4960": 5, "4920": 4, "4913": 2, "4952": 2,
    "4800": 40, "4990": 8, "4850": 6, "4840": 5, "4880": 5, "4874": 3, "4892": 2,
}  # fmt: skip
# Wishes in the citizens' own words, with the sectors they point to (illustrative).
_WISHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Vil gerne arbejde i en butik og fylde varer op", ("detailhandel",)),
    ("Køkkenarbejde, fx opvask og anretning", ("hoteller_restauranter",)),
    ("Udendørs arbejde med grønne områder", ("landbrug", "foreninger_kultur_renovation")),
    ("Lager og pakning, gerne uden for mange mennesker", ("andre_brancher", "anden_handel")),
    ("Rengøring om formiddagen", ("andre_brancher",)),
    ("Arbejde med dyr", ("landbrug",)),
    ("Værksted eller produktion, noget med hænderne", ("industri",)),
    ("Hjælpe til på et plejecenter med kaffe og oprydning", ("sociale_institutioner",)),
    ("Genbrugsbutik eller genbrugsplads", ("foreninger_kultur_renovation", "detailhandel")),
    ("Pedelopgaver og småreparationer", ("offentlig_adm_undervisning_sundhed", "bygge_anlaeg")),
    ("Kontoropgaver som scanning og kopiering", ("offentlig_adm_undervisning_sundhed",)),
    ("Vaske biler eller hjælpe på et autoværksted", ("anden_handel",)),
)
_UNDECIDED_WISH = "Ved ikke endnu; vil gerne prøve noget praktisk"
_ALL_SECTORS = (
    "landbrug", "industri", "bygge_anlaeg", "detailhandel", "anden_handel",
    "hoteller_restauranter", "sociale_institutioner", "foreninger_kultur_renovation",
    "offentlig_adm_undervisning_sundhed", "andre_brancher",
)  # fmt: skip
DEMO_NOTE = "Fiktiv demoborger: alle oplysninger er genereret til demonstration."


@dataclass
class DemoCitizen:
    """One generated citizen: the create payload, its BIP group and its measurements."""

    payload: dict[str, Any]
    municipality_code: str
    group: str | None  # "paid_hours", "no_paid_hours", or None without a BIP measurement
    measurements: list[dict[str, Any]] = field(default_factory=list)


def _answer_counts(n: int, mean: float) -> list[int]:
    """How many answers of 1..5 give ``n`` answers with this mean, spread like a bell."""

    def shape(centre: float) -> list[float]:
        weights = [math.exp(-((v - centre) ** 2) / (2 * 1.1**2)) for v in range(1, 6)]
        return [w / sum(weights) for w in weights]

    low, high = -5.0, 11.0
    for _ in range(60):  # bisection on the bell's centre until its mean fits
        middle = (low + high) / 2
        if sum(p * v for p, v in zip(shape(middle), range(1, 6), strict=True)) < mean:
            low = middle
        else:
            high = middle
    counts = list(largest_remainder(n, dict(enumerate(shape((low + high) / 2)))).values())
    target = round(mean * n)
    total = sum(c * v for c, v in zip(counts, range(1, 6), strict=True))
    while total != target:
        step = 1 if total < target else -1
        # Move one answer from the most common value that can move, to its neighbour.
        movable = [i for i in range(5) if counts[i] and 0 <= i + step <= 4]
        i = max(movable, key=lambda k: counts[k])
        counts[i] -= 1
        counts[i + step] += 1
        total += step
    return counts


def _first_answers(
    rng: random.Random, readiness: dict[int, float], members: list[int], group: str
) -> dict[int, dict[str, int | None]]:
    """First-measurement answers for a group, with exactly Table 6.17's mean per indicator."""
    answers: dict[int, dict[str, int | None]] = {m: {} for m in members}
    n_missing = round(len(members) * MISSING_ANSWER_SHARE)
    for key in INDICATORS:
        missing = set(rng.sample(members, n_missing))
        answering = [m for m in members if m not in missing]
        counts = _answer_counts(len(answering), TABLE_6_17[group][key])
        values = sorted(v for v, c in zip(range(1, 6), counts, strict=True) for _ in range(c))
        # More ready citizens tend to answer higher on every indicator (noise keeps it loose).
        ranked = sorted(answering, key=lambda m: readiness[m] + rng.gauss(0, 1.0))
        for member, value in zip(ranked, values, strict=True):
            answers[member][key] = value
        for member in missing:
            answers[member][key] = None
    return answers


def _second_answers(
    rng: random.Random, first: dict[int, dict[str, int | None]], members: list[int], group: str
) -> dict[int, dict[str, int | None]]:
    """Second-measurement answers that move by Table 6.18's change, some up and some down."""
    second = {m: dict(first[m]) for m in members}
    for key in INDICATORS:
        answered = [m for m in members if first[m][key] is not None]
        net = round(TABLE_6_18_CHANGE[group][key] * len(answered))
        churn = round(0.15 * len(answered))  # illustrative: people move both ways
        order = rng.sample(answered, len(answered))
        ups = [m for m in order if (second[m][key] or 5) < 5]
        downs = [m for m in reversed(order) if (second[m][key] or 1) > 1]
        # Keep the net change when values at the top (or bottom) of the scale cannot move.
        if net >= 0:
            n_up = min(len(ups), churn + net)
            n_down = max(n_up - net, 0)
        else:
            n_down = min(len(downs), churn - net)
            n_up = max(n_down + net, 0)
        raised = ups[:n_up]
        lowered = [m for m in downs if m not in raised][:n_down]
        for member in raised:
            second[member][key] = (second[member][key] or 0) + 1
        for member in lowered:
            second[member][key] = (second[member][key] or 0) - 1
    return second


def _weighted_postal_code(rng: random.Random, municipality: str) -> str:
    codes = [p.postal_code for p in postal_codes().values() if p.municipality_code == municipality]
    return rng.choices(codes, weights=[_TOWN_WEIGHTS.get(c, 1) for c in codes])[0]


def _profile(
    rng: random.Random, first: dict[str, int | None] | None
) -> dict[str, Any]:  # illustrative fields
    licence = rng.random() < 0.45
    car = licence and rng.random() < 0.6
    transport = "car" if car else rng.choices(["public_transport", "bicycle"], [7, 3])[0]
    commute = {"car": (20, 40), "public_transport": (10, 25), "bicycle": (4, 12)}[transport]
    job_goal = first.get("job_goal") if first else None
    health = first.get("health") if first else None
    preferred: tuple[str, ...] = ()
    if job_goal is not None and job_goal <= 2 and rng.random() < 0.5:
        wishes = _UNDECIDED_WISH
    else:
        wishes, preferred = _WISHES[rng.randrange(len(_WISHES))]
    excluded: list[str] = []
    if rng.random() < 0.2:
        excluded = [rng.choice([s for s in _ALL_SECTORS if s not in preferred])]
    frail = health is not None and health <= 2
    return {
        "has_driving_licence": licence,
        "has_car": car,
        "transport": transport,
        "max_commute_km": rng.randint(*commute),
        "hours_per_week": rng.choice([5, 8, 10, 10, 12, 15, 20]),
        "wishes": wishes,
        "preferred_sectors": list(preferred),
        "excluded_sectors": excluded,
        "danish_level": 5 if rng.random() < 0.8 else rng.choice([2, 3, 3, 4, 4]),
        "limits": {
            "cannot_lift_heavy": rng.random() < (0.45 if frail else 0.15),
            "cannot_handle_food": rng.random() < 0.04,
            "cannot_stand_long": rng.random() < (0.3 if frail else 0.1),
            "criminal_record": rng.choices(["unknown", "no", "yes"], [55, 35, 10])[0],
        },
    }


def demo_citizens(seed: int = DEMO_SEED, *, today: date | None = None) -> list[DemoCitizen]:
    """The demo citizens with their measurements, the same for the same seed and day."""
    rng = random.Random(seed)
    on = today or clock.now().date()
    people: list[tuple[str, str, int]] = []  # municipality, gender, age
    for municipality, n in CITIZENS_BY_MUNICIPALITY.items():
        men = round(n * MEN_SHARE[municipality] / 100)
        genders = ["male"] * men + ["female"] * (n - men)
        ages = [
            rng.randint(low, high)
            for (low, high), count in zip(
                AGE_BANDS,
                list(largest_remainder(n, dict(enumerate(AGE_SHARES[municipality]))).values()),
                strict=True,
            )
            for _ in range(count)
        ]
        rng.shuffle(genders)
        people.extend((municipality, g, a) for g, a in zip(genders, ages, strict=True))
    total = len(people)
    order = rng.sample(range(total), total)
    paid = order[: FIRST_MEASUREMENTS["paid_hours"]]
    not_paid = order[FIRST_MEASUREMENTS["paid_hours"] : sum(FIRST_MEASUREMENTS.values())]
    groups = {"paid_hours": paid, "no_paid_hours": not_paid}
    readiness = {i: rng.gauss(0, 1) for i in range(total)}
    first: dict[int, dict[str, int | None]] = {}
    second: dict[int, dict[str, int | None]] = {}
    for group, members in groups.items():
        first.update(_first_answers(rng, readiness, members, group))
        followed = rng.sample(members, SECOND_MEASUREMENTS[group])
        second.update(_second_answers(rng, first, followed, group))
    group_of = {m: g for g, members in groups.items() for m in members}
    counters = dict.fromkeys(CITIZENS_BY_MUNICIPALITY, 0)
    result = []
    for index, (municipality, gender, age) in enumerate(people):
        counters[municipality] += 1
        first_names = _FEMALE_NAMES if gender == "female" else _MALE_NAMES
        name = f"{rng.choice(first_names)} {rng.choice(SURNAMES)}"
        if index in second:
            start = on - timedelta(days=rng.randint(300, 900))
        elif index in first:
            start = on - timedelta(days=rng.randint(30, 900))
        else:
            start = on - timedelta(days=rng.randint(0, 120))  # new: first BIP still to come
        payload: dict[str, Any] = {
            "name": name,
            "external_ref": f"DEMO-{municipality}-{counters[municipality]:04d}",
            "municipality_code": municipality,
            "postal_code": _weighted_postal_code(rng, municipality),
            **_profile(rng, first.get(index)),
            "notes": DEMO_NOTE,
            "status": "paused" if rng.random() < 0.04 else "active",
            "programme_start_date": start.isoformat(),
            "audit_gender": gender,
            "audit_birth_year": on.year - age,
        }
        if payload["status"] == "paused":
            payload["status_reason"] = "Pause efter aftale (fiktiv)"
        citizen = DemoCitizen(payload, municipality, group_of.get(index))
        if index in first:
            first_on = min(start + timedelta(days=rng.randint(0, 30)), on)
            citizen.measurements.append(
                {"measured_on": first_on.isoformat(), "answers": first[index]}
            )
            if index in second:
                second_on = min(add_months(first_on, 6) + timedelta(days=rng.randint(0, 90)), on)
                citizen.measurements.append(
                    {"measured_on": second_on.isoformat(), "answers": second[index]}
                )
        result.append(citizen)
    return result


def load_demo_citizens(
    session: Session, *, seed: int = DEMO_SEED, today: date | None = None
) -> int:
    """Store the demo citizens and their BIP measurements unless demo citizens exist already."""
    existing = session.exec(select(func.count()).select_from(Citizen).where(Citizen.is_demo)).one()
    if existing:
        return 0
    caseworkers: dict[str, list[str]] = {}
    for municipality, (key, _) in DEMO_STAFF_KEYS.items():
        api_key = auth_service.find_api_key(session, key=key)
        caseworkers[municipality] = [api_key.user_id] if api_key else []
    generated = demo_citizens(seed, today=today)
    for item in generated:
        data = CitizenCreate.model_validate(
            {**item.payload, "caseworker_ids": caseworkers[item.municipality_code]}
        )
        citizen = citizens_service.create_citizen(
            session, data=data, actor=CLI_PRINCIPAL, is_demo=True
        )
        for measurement in item.measurements:
            measurements.record_bip(
                session,
                citizen=citizen,
                data=BipMeasurementCreate.model_validate(measurement),
                actor=CLI_PRINCIPAL,
            )
    return len(generated)
