"""``make stories``: ingest every example story into a fresh stories.db and explain each cause."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from .ledger import Ledger
from .narrative import REASON_TEXT, advice_lines, explanation_lines


def _published(path: Path) -> dict[str, list[str]]:
    creators: dict[str, list[str]] = {}
    for raw in path.read_bytes().splitlines():
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict) and obj.get("type") == "video.published":
            creators.setdefault(obj["creator"], []).append(obj["video"])
    return creators


def _story(ledger: Ledger, path: Path) -> None:
    title = path.stem.split("-", 1)[-1].replace("-", " ")
    print(f"\n=== {title} ({path.name}) ===")
    with path.open("rb") as lines:
        report = ledger.ingest(lines, source=path.name)
    print(
        f"ingested: {report.accepted} accepted ({report.stale} stale), "
        f"{report.duplicates} duplicates, {report.rejected} refused"
    )
    for error in report.errors:
        print(f"  refused line {error.line}: {error.code}: {error.message}")
    for creator, videos in _published(path).items():
        try:
            total = ledger.explain_creator(creator)
        except LookupError:
            continue
        except Exception as exc:  # a deleted account has no total: say so
            print(f"{creator}: {exc}")
            continue
        print("\n".join(explanation_lines(total)))
        for video in videos:
            try:
                print("\n".join("  " + line for line in explanation_lines(ledger.explain(video))))
            except Exception as exc:
                print(f"  {video}: {getattr(exc, 'code', exc)}")
        print("\n".join(advice_lines(total.changes)))


def main(argv: list[str] | None = None) -> int:
    """Run the example stories into ``stories.db`` (replaced on every run)."""
    args = argv if argv is not None else sys.argv[1:]
    examples = Path(args[0] if args else "examples")
    db = Path("stories.db")
    for leftover in (db, Path("stories.db-wal"), Path("stories.db-shm")):
        leftover.unlink(missing_ok=True)
    with Ledger.open(str(db)) as ledger:
        for path in sorted(examples.glob("*.jsonl")):
            _story(ledger, path)
        print("\n=== why can't they see it? ===")
        for video, viewer in (("nia-vlog", "ana"), ("leo-prank", "ana"), ("omar-review", "troll")):
            seen = ledger.visible(video, viewer)
            why = "can see it" if seen.visible else f"cannot: {REASON_TEXT[seen.reason or '']}"
            print(f"{viewer} → {video}: {why}")
        check = ledger.reconcile()
        print(f"\nreconcile: {len(check.drift)} drifted subjects across {check.events} events")
    print(f"database: {db.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
