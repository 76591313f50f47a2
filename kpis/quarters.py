"""Financial-year quarters, the one place their arithmetic and their labels live.

A council's year runs from 1 April: Q1 is April–June, Q2 July–September, Q3 October–December and
Q4 January–March of the next calendar year. A quarter is labelled by the calendar year its
financial year starts in: "2026-Q2" is 1 July – 30 September 2026, "2026-Q4" is 1 January –
31 March 2027.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the calendar year the financial year starts in
    number: int  # 1–4

    def __post_init__(self):
        if self.number not in (1, 2, 3, 4):
            raise ValueError("A quarter is numbered 1 to 4.")

    # Parsing and labels ------------------------------------------------------------------

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """'2026-Q2' (also '2026Q2', '2026-q2') → Quarter(2026, 2). Raises ValueError otherwise."""
        match = _LABEL.match(label or "")
        if not match:
            raise ValueError(f"“{label}” is not a quarter: write it as 2026-Q2 (Q1 is April to June).")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    def __str__(self) -> str:
        return self.label

    @property
    def financial_year_label(self) -> str:
        return f"{self.year}/{str(self.year + 1)[-2:]}"

    @property
    def long_label(self) -> str:
        """'Q2 2026/27 (July to September 2026)'."""
        return f"Q{self.number} {self.financial_year_label} ({self.start:%B} to {self.end:%B %Y})"

    # Dates -------------------------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        month = _FIRST_MONTH[self.number]
        year = self.year + (1 if self.number == 4 else 0)
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    @property
    def financial_year_start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def ordinal(self) -> int:
        """A running number: consecutive quarters differ by one."""
        return self.year * 4 + self.number - 1

    @classmethod
    def from_ordinal(cls, ordinal: int) -> Quarter:
        return cls(ordinal // 4, ordinal % 4 + 1)

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Quarter:
        return self.from_ordinal(self.ordinal + 1)

    def previous(self) -> Quarter:
        return self.from_ordinal(self.ordinal - 1)

    def last(self, n: int) -> list[Quarter]:
        """The n quarters ending with this one, oldest first."""
        return [self.from_ordinal(self.ordinal - i) for i in range(n - 1, -1, -1)]

    @classmethod
    def last_completed(cls, today: dt.date) -> Quarter:
        """The latest quarter that has ended before `today`."""
        return cls.containing(today).previous()


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    return [Quarter.from_ordinal(o) for o in range(first.ordinal, last.ordinal + 1)]
