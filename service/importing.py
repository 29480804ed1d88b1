"""One dry-run import skeleton for every row importer: companies, citizens, BIP (issue 13).

An import reads a CSV or XLSX file (``tabular.read_table``: limits checked before parsing),
names its columns by the importer's header aliases, and holds the data rows as text columns
of a pandas frame indexed by spreadsheet row number (header = 1). The importer cleans whole
columns at once (``by_unique``: each distinct cell converted once), then the rows run in
chunks, in the caller's transaction (one per file):

1. ``prepare`` looks up in one query what the chunk's rows refer to (registered CVR numbers,
   known case numbers and CPR hashes);
2. ``check`` checks each row: a rejected row is put in the report with its column and Danish
   reason and stores nothing; an accepted row is kept for the chunk's write;
3. ``write`` stores the chunk's accepted rows at once (bulk inserts).

A dry run rolls back everything the file did; a real run ends with the importer's audit entry.
Progress is reported per chunk written (``service.tabular.Progress``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pandas as pd
from sqlmodel import Session

from service.errors import ConflictError
from service.places import pinned_postal_codes
from service.tabular import (
    Progress,
    Source,
    UnreadableFileError,
    data_rows,
    fold_header,
    map_headers,
    read_table,
)

Accepted = TypeVar("Accepted")
CHUNK_ROWS = 5000


@dataclass(frozen=True)
class ImportTable:
    """An import file's data rows, and what its header row said."""

    frame: pd.DataFrame  # text cells, one column per field, indexed by spreadsheet row
    header_of: dict[str, str]  # field -> the file's own header, for the report
    unknown_columns: list[str]


def read_import_table(
    source: Source,
    filename: str | None,
    aliases: dict[str, tuple[str, ...]],
    *,
    check_columns: Callable[[dict[int, str]], None],
    fold: Callable[[str], str] = fold_header,
) -> ImportTable:
    """Read the file and name its columns; ``check_columns`` refuses a file missing a column.

    Raises ``UnreadableFileError`` (and the size errors of ``read_table``): nothing is stored.
    """
    table = read_table(source, filename)
    if not table:
        raise UnreadableFileError("filen har ingen rækker", "the file has no rows")
    columns, unknown = map_headers(table[0], aliases, fold)
    check_columns(columns)
    header_of = {field: table[0][index] for index, field in columns.items()}
    numbers: list[int] = []
    cells: list[list[str]] = []
    for row_number, row in data_rows(table):
        numbers.append(row_number)
        cells.append([row[i] if i < len(row) else "" for i in columns])
    del table
    frame = pd.DataFrame(cells, index=numbers, columns=list(columns.values()), dtype=object)
    return ImportTable(frame=frame, header_of=header_of, unknown_columns=unknown)


def by_unique(series: pd.Series[Any], convert: Callable[[Any], Any]) -> pd.Series[Any]:
    """``convert`` applied once per distinct value of the column, then spread to every row."""
    distinct = series.unique()
    return series.map(dict(zip(distinct, map(convert, distinct), strict=True)))


def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """The rows as dicts by column (faster than ``to_dict("records")`` for object columns)."""
    names = list(frame.columns)
    return [dict(zip(names, values, strict=True)) for values in frame.itertuples(False, None)]


class _Report(Protocol):
    @property
    def created(self) -> list[Any]: ...

    @property
    def updated(self) -> list[Any]: ...

    @property
    def rejected(self) -> list[Any]: ...


def counts(report: _Report) -> dict[str, int]:
    """The report's counts as the audit entry of an import keeps them (no names, no values)."""
    return {
        "created": len(report.created),
        "updated": len(report.updated),
        "rejected_rows": len({problem.row for problem in report.rejected}),
    }


class RowImport(ABC, Generic[Accepted]):
    """What an importer does with the rows of one chunk (see the module's docstring)."""

    def prepare(self, chunk: pd.DataFrame) -> None:
        """Look up what the chunk's rows refer to (by default nothing)."""

    @abstractmethod
    def check(
        self, row: int, cells: dict[Hashable, Any], values: dict[Hashable, Any]
    ) -> Accepted | None:
        """Check one row (its raw cells and its cleaned values): the row to write, or None."""

    @abstractmethod
    def write(self, accepted: list[Accepted]) -> None:
        """Store the chunk's accepted rows."""


def run_rows(
    session: Session,
    raw: pd.DataFrame,
    clean: pd.DataFrame,
    rows: RowImport[Accepted],
    report: _Report,
    /,
    *,
    dry_run: bool,
    progress: Progress | None,
    audit: Callable[[dict[str, int]], None],
) -> None:
    """Run every row of the file through ``rows``, chunk by chunk, in the caller's transaction.

    ``raw`` and ``clean`` have the same index (spreadsheet rows). Progress is reported after
    each chunk is written, so the rate it shows is of rows checked and stored. A dry run is
    rolled back at the end; a real run calls ``audit`` with the report's counts. Rejections
    end up in row order.
    """
    with pinned_postal_codes(session):
        _run_chunks(session, raw=raw, clean=clean, rows=rows, dry_run=dry_run, progress=progress)
    report.rejected.sort(key=lambda problem: problem.row)
    if not dry_run:
        audit(counts(report))


def _run_chunks(
    session: Session,
    *,
    raw: pd.DataFrame,
    clean: pd.DataFrame,
    rows: RowImport[Accepted],
    dry_run: bool,
    progress: Progress | None,
) -> None:
    outer = session.begin_nested() if dry_run else None
    total = len(raw)
    size = CHUNK_ROWS  # read at call time, so a test can make chunks small
    for start in range(0, total, size):
        part = clean.iloc[start : start + size]
        rows.prepare(part)
        accepted: list[Accepted] = []
        numbers = [int(number) for number in part.index]
        for row, cells, values in zip(
            numbers, records(raw.loc[part.index]), records(part), strict=True
        ):
            item = rows.check(row, cells, values)
            if item is not None:
                accepted.append(item)
        rows.write(accepted)
        if progress is not None:
            progress(start + len(part), total)
    if outer is not None:
        outer.rollback()


class ImportConflictError(ConflictError):
    """A key of the file was registered by someone else while the import ran (409)."""

    def __init__(self, keys_da: str, keys_en: str) -> None:
        super().__init__(
            f"Et af filens {keys_da} blev registreret af en anden, mens importen kørte; "
            "intet er gemt. Importér filen igen.",
            f"One of the file's {keys_en} was registered by someone else during the import; "
            "nothing was stored. Import the file again.",
            code="import_conflict",
        )
