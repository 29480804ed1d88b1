"""Measure the scorer figures of issue 14 on a database with the demo data loaded.

Usage: KANTMATCH_DATABASE_URL=sqlite:////tmp/x.db python scripts/measure_scorer.py
Works on the code before issue 14 and after it; every change it makes is rolled back.
All figures are on SYNTHETIC training data and the fictional demo citizens.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import CLI_PRINCIPAL
from service.citizens.models import BipMeasurement, Citizen
from service.companies.models import Company
from service.config import get_settings
from service.db import make_engine
from service.matching import service as ms
from service.matching.data import load_citizens

try:  # the matching index (issue 13) and after
    from service.matching.audit import open_openings
    from service.matching.scoring import score_pairs as index_score_pairs
except ImportError:  # before: the per-request loader
    open_openings = None  # type: ignore[assignment]
from service.matching.features import BIP_KEYS, all_pairs
from service.tasks import catalogue
from service.tasks.models import Task, TaskOpening

CARE_WISH = "arbejde med ældre mennesker, omsorg og pleje"


def chance_of(item: Any) -> float:
    value = getattr(item, "chance", None)
    return float(value) if value is not None else float(item.parts.probability)


def make_citizen(
    session: Session, near: Company, wishes: str, bip: dict[str, int], **extra: Any
) -> Citizen:
    ids = catalogue.wish_task_ids(session, text=wishes)
    citizen = Citizen(
        name="Måling Testborger",
        external_ref=f"measure-{np.random.default_rng().integers(10**9)}",
        municipality_code=near.municipality_code,
        postal_code=near.postal_code or "4900",
        lat=float(near.lat or 54.83) + 0.003,
        lon=float(near.lon or 11.13) + 0.003,
        max_commute_km=extra.pop("max_commute_km", 15),
        hours_per_week=extra.pop("hours_per_week", 10),
        wishes=wishes,
        wish_task_ids=ids,
        danish_level=extra.pop("danish_level", 5),
        **extra,
    )
    session.add(citizen)
    session.flush()
    set_bip(session, citizen, bip)
    return citizen


def set_bip(session: Session, citizen: Citizen, bip: dict[str, int]) -> None:
    for old in session.exec(
        select(BipMeasurement).where(BipMeasurement.citizen_id == citizen.id)
    ).all():
        session.delete(old)
    session.flush()
    answers: dict[str, Any] = dict(bip)
    session.add(BipMeasurement(citizen_id=citizen.id, measured_on=clock.today(), **answers))
    session.flush()


def ranked(session: Session, citizen: Citizen, model: Any, info: Any, limit: int = 100) -> Any:
    return ms.suggest_openings_for_citizen(
        session,
        citizen=citizen,
        actor=CLI_PRINCIPAL,
        info=info,
        model=model,
        limit=limit,
        today=clock.today(),
    )


def main() -> None:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    today: date = clock.today()
    with Session(engine, expire_on_commit=False) as session:
        row = ms.active_model_version(session)
        assert row is not None
        model: Any = ms.load_model(row)  # before issue 14 a logistic model, after it additive
        info = ms.model_info(row)
        print(
            "model",
            row.version,
            "metrics roc_auc",
            round(row.metrics["roc_auc"], 3),
            "baseline",
            round(row.metrics["baseline_roc_auc"], 3),
        )
        if hasattr(model, "coefficients"):
            per_point = {
                c: round(w / s, 2)
                for c, w, s in zip(model.columns, model.coefficients, model.scales, strict=True)
            }
            print(
                "log-odds per point:",
                {
                    k: per_point[k]
                    for k in (
                        "bip_social_support",
                        "bip_cooperation",
                        "bip_contacting_strangers",
                        "conversion_rate",
                        "requirement_conflicts",
                        "gap_language",
                    )
                },
            )
        else:
            print("feature effect signs:", model.effect_signs())

        # --- all demo citizens x all openings --------------------------------------------
        ids = list(
            session.exec(
                select(Citizen.id).where(col(Citizen.status) == "active").order_by(col(Citizen.id))
            ).all()
        )
        citizens = load_citizens(session, citizen_ids=ids)
        if open_openings is not None:
            openings = open_openings(session, today=today)
            ci, oj = all_pairs(len(citizens.frame), len(openings))
            scored = index_score_pairs(citizens, openings, ci, oj, model)
            features, parts = scored.features, scored.parts
            nice = openings.arrays.nice_to
            opening_id_of = [openings.record(i).opening_id for i in range(len(openings))]
        else:
            from service.matching.data import load_openings  # type: ignore[attr-defined]

            openings, _ = load_openings(session, today=today)
            ci, oj = all_pairs(len(citizens.frame), len(openings.frame))
            features, parts, _ = ms.score_pairs(citizens, openings, ci, oj, model)
            nice = openings.arrays.nice_to
            opening_id_of = list(openings.frame["opening_id"])
        prob = parts["chance"].to_numpy() if "chance" in parts else parts["probability"].to_numpy()
        score = parts["score"].to_numpy()
        crow = features["citizen_row"].to_numpy()
        orow = features["opening_row"].to_numpy()
        order = np.lexsort((-score, crow))
        first = order[np.r_[True, crow[order][1:] != crow[order][:-1]]]
        print(f"pairs {len(score)}; citizens with a suggestion {len(first)}")
        print(
            f"top suggestion chance: mean {prob[first].mean():.3f}, max {prob[first].max():.4f}, "
            f"share > 0.80 {np.mean(prob[first] > 0.8):.3f}"
        )
        bip_mean = np.nanmean(
            np.where(np.isnan(citizens.arrays.bip), 3.0, citizens.arrays.bip), axis=1
        )
        corr = []
        for o in np.unique(orow):
            sel = orow == o
            if sel.sum() > 30:
                corr.append(np.corrcoef(prob[sel], bip_mean[crow[sel]])[0, 1])
        print(
            f"per-opening corr(chance, mean BIP): median {np.median(corr):.2f}, "
            f"IQR {np.percentile(corr, 25):.2f}-{np.percentile(corr, 75):.2f}"
        )
        print(f"all citizens' mean BIP {bip_mean.mean():.2f}")

        # --- candidate lists -------------------------------------------------------------
        rng = np.random.default_rng(14)
        for label, pool in (("nice_to", np.flatnonzero(nice)), ("need_to", np.flatnonzero(~nice))):
            sample = rng.choice(pool, size=min(40, len(pool)), replace=False)
            top_bip, ordinary, total, rank_corr = [], 0, 0, []
            for o in sample:
                opening_id = str(opening_id_of[o])
                opening = session.get(TaskOpening, opening_id)
                assert opening is not None
                company = session.get(Company, opening.company_id)
                assert company is not None
                result = ms.suggest_candidates(
                    session,
                    company=company,
                    opening_id=opening_id,
                    actor=CLI_PRINCIPAL,
                    info=info,
                    model=model,
                    limit=100,
                    today=today,
                )
                items = result.items or []
                if len(items) < 10:
                    continue
                pos = {cid: i for i, cid in enumerate(citizens.frame["id"])}
                means = np.array([bip_mean[pos[c.citizen_id]] for c in items])
                top_bip.append(means[:10].mean())
                ordinary += sum(c.placement_type == "ordinary" for c in items[:10])
                total += 10
                if len(items) >= 20:
                    rank_corr.append(np.corrcoef(np.arange(len(items)), means)[0, 1])
            print(
                f"{label}: openings {len(top_bip)}; top-10 mean BIP {np.mean(top_bip):.2f}; "
                f"top-10 proposed ordinary {ordinary / max(total, 1):.1%}; "
                f"corr(rank position, mean BIP) {np.mean(rank_corr):.2f} (negative = readier first)"
            )
        session.rollback()

        # --- hand-made citizens ----------------------------------------------------------
        walk = session.exec(select(Task).where(Task.name == "Ledsagelse på gåture")).first()
        assert walk is not None, "the demo catalogue has the care-home walk"
        opening = session.exec(
            select(TaskOpening)
            .where(TaskOpening.task_id == walk.id)
            .where(TaskOpening.status == "open")
        ).first()
        if opening is None:
            print("no open care-walk opening in the demo data")
            return
        home = session.get(Company, opening.company_id)
        assert home is not None
        three = dict.fromkeys(BIP_KEYS, 3)
        care = make_citizen(session, home, CARE_WISH, three)
        print("care wish task ids:", catalogue.wish_task_ids(session, text=CARE_WISH))
        try:
            from service.tasks.normaliser import sector_wishes

            print("care wish sectors:", sector_wishes(CARE_WISH))
        except ImportError:
            print("care wish sectors: (no sector recognition)")
        for label, change in (
            ("all 3", {}),
            ("support+cooperation 1", {"social_support": 1, "cooperation": 1}),
            ("support+cooperation 5", {"social_support": 5, "cooperation": 5}),
        ):
            set_bip(session, care, {**three, **change})
            result = ranked(session, care, model, info)
            hit = [(i, x) for i, x in enumerate(result.items) if x.opening_id == opening.id]
            if hit:
                i, x = hit[0]
                print(f"care citizen, {label}: walk at rank {i + 1} chance {chance_of(x):.2f}")
            else:
                print(f"care citizen, {label}: walk not in top 100")
        # low-health citizen
        low = make_citizen(
            session,
            home,
            "Vil gerne arbejde i en butik og fylde varer op",
            {**dict.fromkeys(BIP_KEYS, 4), "health": 1, "daily_energy": 2},
        )
        result = ranked(session, low, model, info)
        kinds: dict[str, int] = {}
        for x in result.items:
            kinds[x.placement_type] = kinds.get(x.placement_type, 0) + 1
        print(
            f"low-health citizen (health 1, energy 2, others 4): of {len(result.items)} "
            f"suggestions {kinds};"
            f" first next_action '{result.items[0].next_action}'"
        )
        # Danish level 1
        dk = make_citizen(
            session, home, "Vil gerne arbejde i en butik og fylde varer op", three, danish_level=1
        )
        result = ranked(session, dk, model, info)
        cautions = {c for x in result.items for c in x.cautions}
        print("danish-level-1 cautions:", sorted(cautions)[:6])
        reasons = [r for x in result.items for r in x.reasons]
        forecast = [r for r in reasons if "jobåbninger" in r]
        history = [r for r in reasons if "praktik" in r and "lønnede" in r]
        print(
            f"forecast reasons {len(forecast)}, with '(illustrativt tal)' "
            f"{sum('illustrativt tal' in r for r in forecast)}; e.g. {forecast[:1]}"
        )
        print(f"history reasons e.g. {history[:2]}")

        # monotonicity on 12 citizens: raise one answer by one point
        test_rng = np.random.default_rng(12)
        lowered = compared = 0
        for _ in range(12):
            bip = {key: int(test_rng.integers(1, 6)) for key in BIP_KEYS}
            person = make_citizen(session, home, "", bip)
            base = {x.opening_id: x.score for x in ranked(session, person, model, info, 20).items}
            for key in BIP_KEYS:
                if bip[key] == 5:
                    continue
                set_bip(session, person, {**bip, key: bip[key] + 1})
                after = {
                    x.opening_id: x.score for x in ranked(session, person, model, info, 100).items
                }
                for oid, s in base.items():
                    if oid in after:
                        compared += 1
                        lowered += after[oid] < s - 1e-9
            set_bip(session, person, bip)
        print(f"monotonicity: raising one answer by one lowered {lowered} of {compared} scores")
        session.rollback()


if __name__ == "__main__":
    main()
