"""The cells that claims cover, and where a fetch of claimed cells starts and ends: grid arithmetic.

Cells are fixed blocks of ``CELL_PAGES`` exchange pages on a grid from the epoch, so overlapping
requests with different bounds meet on the same claim keys. A page request costs the same however
much of the page it asks for: the end of what is fetched is settled to whole pages counted from where
its windows start (``last_page_settled``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.intervals import Interval

CELL_PAGES = 10  # one claim covers this many exchange pages


@dataclass(frozen=True, slots=True)
class Cell:
    key: str
    part: Interval  # the cell's share of the asked span
    lo: int  # fetched from here: back onto the page grid where older candles are stored
    end: int  # the cell's end on the cell grid


@dataclass(frozen=True, slots=True)
class Reach:
    page: int  # one exchange page, in milliseconds
    not_after: int  # the end of the closed candles


def cells_of(
    span: Interval, page: int, history_from: int | None, key_for: Callable[[int], str]
) -> list[Cell]:
    """The cells ``span`` touches, each with its share of it; ``lo`` goes back onto the page grid
    only where older candles are stored (``history_from``), so no history probe is needed."""
    cell = page * CELL_PAGES
    cells: list[Cell] = []
    for cell_start in range(span[0] - span[0] % cell, span[1], cell):
        part = (max(span[0], cell_start), min(span[1], cell_start + cell))
        lo = part[0] - part[0] % page
        lo = lo if history_from is not None and history_from <= lo else part[0]
        cells.append(Cell(key_for(cell_start), part, lo, cell_start + cell))
    return cells


def last_page_settled(
    gaps: list[Interval], cell_end: int, reach: Reach, hand_on: bool
) -> tuple[list[Interval], Interval | None]:
    """``gaps`` with the last one widened forward to whole pages counted from its own start (its
    windows are laid from there, so this never adds a request), up to ``cell_end`` and the last
    closed candle; with ``hand_on``, cut back to its last whole page instead, the rest returned."""
    if not gaps:
        return gaps, None
    start, end = gaps[-1]
    if hand_on:
        whole = start + (end - start) // reach.page * reach.page
        kept = [*gaps[:-1], (start, whole)] if whole > start else gaps[:-1]
        return kept, ((whole, end) if whole < end else None)
    whole_pages = start + -(-(end - start) // reach.page) * reach.page
    return [*gaps[:-1], (start, max(end, min(whole_pages, cell_end, reach.not_after)))], None
