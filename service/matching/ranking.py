"""People for a task, not people by readiness (issue 14): the order of candidates.

Pure functions over arrays. Candidates for an opening are ordered by how well *this task* suits
*this person*: the sum of the model's pair parts (capacity against the task's demands, wishes,
commute, hours, requirement conflicts; features.PAIR_FIT_COLUMNS, summed as ``pair_fit`` by
explain.model_parts). The parts that depend on the
person alone (the BIP answers, the caseworker's belief) are left out: in the additive model they
are the same for all of a person's options, so leaving them out measures each pair against the
person's own options instead of against other people's readiness. The absolute chance is shown
beside each candidate but never sorts them. Ties are broken by a neutral key (the caller's
citizen order), never by readiness.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from service.matching.features import FloatArray

IntArray = np.ndarray[Any, np.dtype[np.int64]]


def best_candidates(
    citizen_row: IntArray, fit: FloatArray, tie_key: IntArray, limit: int
) -> IntArray:
    """Pair indices of the top candidates: each person's best-fitting pair, best fit first.

    ``tie_key`` (per pair) orders equal fits; pass a neutral key such as the citizen's position.
    """
    if not len(fit):
        return np.zeros(0, dtype=np.int64)
    # Best pair per person: sort by person, then fit descending, then tie key.
    order = np.lexsort((tie_key, -fit, citizen_row))
    first = order[np.r_[True, citizen_row[order][1:] != citizen_row[order][:-1]]]
    ranked = first[np.lexsort((tie_key[first], -fit[first]))]
    return np.asarray(ranked[:limit], dtype=np.int64)
