"""Benchmark: normalising free task text against a catalogue of 300 tasks.

Run with ``make bench``. The catalogue is the shipped sector cards plus 110 renamed variants
(SYNTHETIC padding to 300 tasks, the size the catalogue is expected to reach). Measured in one
run beside its baseline:

- prepared: one ``PreparedCatalogue`` built once per process, then ``normalise`` per request
  (what the service does);
- baseline: the catalogue prepared anew for every request (what a service without the cache
  would pay).

The target from the tasks issue is a median under 50 ms per request on the 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from service.tasks.cards import default_cards_dir, read_cards
from service.tasks.normaliser import CatalogueTask, PreparedCatalogue

TEXTS = ("vaske op efter frokost", "kan hjælpe med at fylde mælk og ost op i kølediskene")
TARGET_MS = 50.0


def catalogue() -> list[CatalogueTask]:
    """The shipped tasks and 110 SYNTHETIC variants with other ids and names: 300 in all."""
    card_set = read_cards(default_cards_dir())
    tasks = [
        CatalogueTask(task.id, task.name, str(card.sector), card.slug, tuple(task.synonyms))
        for card, task in card_set.tasks
    ]
    return tasks + [
        CatalogueTask(f"{t.task_id}_b", f"{t.name} (ekstra)", t.sector, t.card, t.synonyms)
        for t in tasks[:110]
    ]


def median_ms(run: Callable[[str], object], repeats: int) -> float:
    """The median wall time of ``run(text)`` over the texts, repeated."""
    timings = []
    for _ in range(repeats):
        for text in TEXTS:
            started = time.perf_counter()
            run(text)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    tasks = catalogue()
    started = time.perf_counter()
    prepared = PreparedCatalogue(tasks)
    prepare_ms = (time.perf_counter() - started) * 1000
    served = median_ms(prepared.normalise, repeats=20)
    baseline = median_ms(lambda text: PreparedCatalogue(tasks).normalise(text), repeats=3)
    print(f"normaliser: {len(tasks)} tasks (shipped cards + SYNTHETIC variants)")
    print(f"  prepare once:                    {prepare_ms:8.1f} ms")
    print(f"  per request, prepared:           {served:8.2f} ms  (target < {TARGET_MS:.0f} ms)")
    print(f"  per request, uncached (baseline): {baseline:8.2f} ms")
    print(f"  target met: {'yes' if served < TARGET_MS else 'NO'}")


if __name__ == "__main__":
    main()
