"""What became of inbox lines in server mode: pending, applied or refused.

The projector stores a row in ``inbox_refusals`` for each line it refuses and advances its
checkpoint past every line it applies; nothing else is kept per line. So a position after
the checkpoint is ``pending``, one with a refusal row is ``refused`` (with its SEMANTICS.md
code and message), and any other projected one was ``applied`` (accepted, stale or a
duplicate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .projector import COUNTS
from .store.postgres import PostgresStore
from .store.postgres_sql import translate_errors

OutcomeStatus = Literal["pending", "applied", "refused"]
OUTCOMES = (
    "SELECT c.position, m.head, r.pos, r.code, r.message "
    "FROM inbox_meta m JOIN checkpoints c ON c.name = %s "
    "LEFT JOIN inbox_refusals r ON r.pos BETWEEN %s AND least(%s, c.position) "
    "ORDER BY r.pos"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one inbox line: ``pending`` (after the checkpoint), ``refused`` (with
    its SEMANTICS.md section 3 code and message) or ``applied``: accepted, stale or a
    duplicate, which are not told apart since the projector keeps no per-line result for
    them (only refusals are stored, in ``inbox_refusals``)."""

    position: int
    status: OutcomeStatus
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The outcomes of a range of positions, as of checkpoint ``projected``; positions after
    ``inbox_head`` do not exist yet and are not listed."""

    projected: int
    inbox_head: int
    outcomes: list[Outcome]

    def to_json(self) -> dict[str, Any]:
        return {
            "projected": self.projected,
            "inbox_head": self.inbox_head,
            "outcomes": [outcome.to_json() for outcome in self.outcomes],
        }


def decide_outcomes(
    first: int, last: int, projected: int, inbox_head: int, refused: dict[int, tuple[str, str]]
) -> list[Outcome]:
    """The outcome of each position first..last that is in the inbox (pure): pending after
    ``projected``, else refused when ``refused`` holds its (code, message), else applied."""
    out: list[Outcome] = []
    for position in range(max(first, 1), min(last, inbox_head) + 1):
        if position > projected:
            out.append(Outcome(position, "pending"))
        elif position in refused:
            code, message = refused[position]
            out.append(Outcome(position, "refused", code, message))
        else:
            out.append(Outcome(position, "applied"))
    return out


def outcomes(store: PostgresStore, first: int, last: int) -> Outcomes:
    """The outcomes of inbox positions first..last. One statement, so the checkpoint, the
    inbox head and the refusals come from one snapshot (a refusal commits with the
    checkpoint that covers it: no position is told applied and later refused)."""
    with translate_errors("reading outcomes"):
        rows = store.conn.execute(OUTCOMES, (COUNTS, first, last)).fetchall()
    assert rows  # inbox_meta and the counts checkpoint hold their row from the migration on
    projected, head = int(rows[0][0]), int(rows[0][1])
    refused = {int(pos): (code, message) for _p, _h, pos, code, message in rows if pos is not None}
    return Outcomes(projected, head, decide_outcomes(first, last, projected, head, refused))
