"""Current signals shown beside the forecast, never mixed into it: vacancies per region.

Vacancies describe the labour market now, not in five years, so they are reported as a
separate "current" signal per municipality × sector. STAR's Arbejdsmarkedsbalancen, if it is
ever loaded, belongs here too: it states current shortage, it is explicitly not a forecast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labour_market.codes import DB07_10_GROUPS, MUNICIPALITY_REGION, REGION_NAMES, SECTORS
from labour_market.codes import SECTOR_10_GROUP as SECTOR_GROUP
from labour_market.vacancies import Vacancies


def vacancy_signals(
    vacancies: Vacancies | None, municipalities: Iterable[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per municipality × sector: its region's vacancies in the sector's DB07 10-group.

    The mean of the last four quarters, the mean of the four before, and the change in per
    cent. Missing where the region or group has no figures (LSK leaves groups 1, 9, 10 out).
    """
    signals: dict[tuple[str, str], dict[str, Any]] = {}
    if vacancies is None or vacancies.frame.empty:
        return signals
    frame = vacancies.frame
    for municipality in municipalities:
        region = MUNICIPALITY_REGION.get(municipality)
        if region is None:
            continue
        for sector in SECTORS:
            group = SECTOR_GROUP[sector]
            series = frame[(frame["region_code"] == region) & (frame["group"] == group)]
            if len(series) < 4:
                continue
            series = series.sort_values(["year", "quarter"])
            last = series.tail(4)
            before = series.iloc[-8:-4] if len(series) >= 8 else None
            latest = last.iloc[-1]
            mean_last = float(last["vacancies"].mean())
            mean_before = float(before["vacancies"].mean()) if before is not None else None
            change = (
                round((mean_last / mean_before - 1) * 100, 1)
                if mean_before is not None and mean_before > 0
                else None
            )
            signals[(municipality, sector)] = {
                "region_code": region,
                "region_name": REGION_NAMES.get(region, region),
                "db07_10_group": group,
                "db07_10_group_name": DB07_10_GROUPS[group],
                "latest_quarter": f"{int(latest['year'])}K{int(latest['quarter'])}",
                "mean_last_4_quarters": round(mean_last, 1),
                "mean_4_quarters_before": (
                    round(mean_before, 1) if mean_before is not None else None
                ),
                "change_pct": change,
            }
    return signals
