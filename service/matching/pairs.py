"""The one way pair features are built, for training on outcomes and for serving (issue 14).

Both paths call ``build_pair_features`` on batches from ``data.py``, so the model is served the
same features it was trained on; ``tests/matching/test_parity.py`` compares them on the same pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from service.matching.data import CitizenBatch, OpeningBatch
from service.matching.data import wish_similarity as compute_wish_similarity
from service.matching.features import pair_features


def build_pair_features(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    ci: np.ndarray[Any, Any],
    oj: np.ndarray[Any, Any],
) -> pd.DataFrame:
    """The model's feature frame (and the wording's extra columns) for the given pairs."""
    similarity = compute_wish_similarity(citizens, openings, ci, oj)
    return pair_features(citizens.arrays, openings.arrays, ci, oj, similarity)
