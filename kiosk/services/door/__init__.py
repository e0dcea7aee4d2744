"""The doors: a badge scan's verdict, and what follows from it. One module per job:

- `verdict`: the ONE place a scan's verdict is decided; storing and counting a scan.
- `writer`: on SQLite, the writers' turn and scans waiting for it written together.
- `caches`: what each process keeps (public keys, checkpoints, the offline bundle's holders).
- `bundle`: the offline bundle a scanner decides from, and the photos it links to.
- `checkpoints`: checkpoint admin, who is inside, offline conflicts, the door counters' recount.
- `history`: what a door checked of a holder at a past moment (offline scans are judged as of then).

Callers use the names below (`door.record_scan`, `door.save_checkpoint` …).
"""

from __future__ import annotations

from kiosk.services.door.bundle import (
    offline_bundle,
    offline_photo,
    offline_photo_url,
    photo_at_the_door,
    photo_url,
    photos_until,
)
from kiosk.services.door.caches import (
    MEETING_DOORS_OPEN,
    Gate,
    event_public_keys,
    forget_caches,
    forget_gates,
    forget_keys,
)
from kiosk.services.door.checkpoints import (
    Conflict,
    checkpoint_json,
    conflicts,
    count_door,
    event_checkpoints,
    get_checkpoint,
    resolve_conflict,
    save_checkpoint,
    venues_of,
    who_is_inside,
)
from kiosk.services.door.verdict import (
    MAX_BATCH,
    MAX_CHECKPOINT_ID,
    REASON_TEXT,
    EventRef,
    Judged,
    Rejected,
    ScanInput,
    ScanRaceLost,
    ScanRecord,
    Shown,
    Verdict,
    checkpoint_of,
    event_ref,
    inside,
    judge_code,
    judge_scan,
    parse_direction,
    record_offline_batch,
    record_scan,
    venue_of,
    write_scan,
)
from kiosk.services.door.writer import record_and_commit, writer_turn

__all__ = [
    "MAX_BATCH",
    "MAX_CHECKPOINT_ID",
    "MEETING_DOORS_OPEN",
    "REASON_TEXT",
    "EventRef",
    "Conflict",
    "Gate",
    "Judged",
    "Rejected",
    "ScanInput",
    "ScanRaceLost",
    "ScanRecord",
    "Shown",
    "Verdict",
    "checkpoint_json",
    "checkpoint_of",
    "conflicts",
    "count_door",
    "event_checkpoints",
    "event_public_keys",
    "event_ref",
    "forget_caches",
    "forget_gates",
    "forget_keys",
    "get_checkpoint",
    "inside",
    "judge_code",
    "judge_scan",
    "offline_bundle",
    "offline_photo",
    "offline_photo_url",
    "parse_direction",
    "photo_at_the_door",
    "photo_url",
    "photos_until",
    "record_and_commit",
    "record_offline_batch",
    "record_scan",
    "resolve_conflict",
    "save_checkpoint",
    "venue_of",
    "venues_of",
    "who_is_inside",
    "write_scan",
    "writer_turn",
]
