"""Road distances, the best visiting order and the timetable of a bus tour.

Pure numeric code: no web, no database. Road distance is estimated from the straight-line
(great-circle) distance, and driving time from an average speed. Both numbers are ASSUMPTIONS,
not measurements; docs/bustours.md says why they were chosen and every output repeats them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from service.matching.features import FloatArray, haversine_km

# ASSUMPTION: rural roads on Lolland-Falster wind around fields, fjords and villages; a road
# trip is taken to be 1.3 times the straight line (a common rule of thumb for rural road
# networks, not measured here).
DETOUR_FACTOR = 1.3
# ASSUMPTION: a coach on country roads with villages and the odd stretch of motorway averages
# about 60 km/h door to door (not measured here).
AVERAGE_SPEED_KMH = 60.0
# Exact search over every order: 7! = 5,040 orders is instant; beyond that it grows fast.
MAX_EXACT_STOPS = 7
MINUTES_PER_DAY = 24 * 60


def road_km_matrix(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Estimated road km between every pair of points: straight line x the detour factor."""
    lat = np.asarray(lats, dtype=float)
    lon = np.asarray(lons, dtype=float)
    straight = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return np.asarray(straight * DETOUR_FACTOR, dtype=float)


def drive_minutes(road_km: float) -> int:
    """Driving minutes for a leg at the average speed, rounded up to a whole minute."""
    return math.ceil(round(road_km / AVERAGE_SPEED_KMH * 60, 6))


def best_order(distances: FloatArray) -> tuple[tuple[int, ...], float]:
    """The order of points 1..n that makes the shortest round trip from point 0 and back.

    Exact: every order is tried at once with numpy (at most 7 stops). Among orders of equal
    length (a tour and its reverse are always equal) the first in lexicographic order wins, so
    the answer is deterministic.
    """
    stops = distances.shape[0] - 1
    if stops == 0:
        return (), 0.0
    if stops > MAX_EXACT_STOPS:
        raise ValueError(f"at most {MAX_EXACT_STOPS} stops can be ordered exactly, got {stops}")
    orders = np.array(list(itertools.permutations(range(1, stops + 1))), dtype=np.int64)
    lengths = (
        distances[0, orders[:, 0]]
        + distances[orders[:, :-1], orders[:, 1:]].sum(axis=1)
        + distances[orders[:, -1], 0]
    )
    best = int(np.argmin(np.round(lengths, 9)))  # the first of equal lengths
    return tuple(int(i) for i in orders[best]), float(lengths[best])


@dataclass(frozen=True)
class Leg:
    """One drive: estimated road km and minutes."""

    km: float
    minutes: int


@dataclass(frozen=True)
class Visit:
    """One stop of the timetable: the point, the drive there, arrival and departure."""

    point: int
    drive: Leg
    arrive: int  # minutes after midnight on the tour's date
    leave: int


@dataclass(frozen=True)
class Timetable:
    """A whole tour: the visits in order, the drive home, and the totals."""

    depart: int
    visits: tuple[Visit, ...]
    home: Leg
    return_at: int

    @property
    def total_km(self) -> float:
        """Estimated road km from departure to return."""
        return sum(v.drive.km for v in self.visits) + self.home.km

    @property
    def total_minutes(self) -> int:
        """Minutes from departure to return (driving and visits)."""
        return self.return_at - self.depart

    @property
    def driving_minutes(self) -> int:
        """Minutes spent driving."""
        return sum(v.drive.minutes for v in self.visits) + self.home.minutes


def timetable(
    distances: FloatArray, order: tuple[int, ...], *, depart: int, visit_minutes: int
) -> Timetable:
    """Arrival and departure at each stop in order, leaving point 0 at ``depart``."""
    clock, here = depart, 0
    visits = []
    for point in order:
        km = float(distances[here, point])
        leg = Leg(km=km, minutes=drive_minutes(km))
        arrive = clock + leg.minutes
        clock = arrive + visit_minutes
        visits.append(Visit(point=point, drive=leg, arrive=arrive, leave=clock))
        here = point
    km = float(distances[here, 0])
    home = Leg(km=km, minutes=drive_minutes(km))
    return Timetable(depart=depart, visits=tuple(visits), home=home, return_at=clock + home.minutes)


def plan_route(lats: FloatArray, lons: FloatArray, *, depart: int, visit_minutes: int) -> Timetable:
    """The shortest round trip from point 0 through all other points, with its timetable."""
    distances = road_km_matrix(lats, lons)
    order, _ = best_order(distances)
    return timetable(distances, order, depart=depart, visit_minutes=visit_minutes)


def clock_text(minutes: int) -> str:
    """Minutes after midnight as HH:MM (past midnight: the next day's clock with "+1")."""
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text if days == 0 else f"{text} (+{days})"


def duration_text(minutes: int) -> str:
    """A duration in Danish: 4 t 05 min."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} t {rest:02d} min" if hours else f"{rest} min"
