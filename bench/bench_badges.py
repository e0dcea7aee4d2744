"""Benchmark badge rendering and code signing: .venv/bin/python bench/bench_badges.py [runs]."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from badges.codes import (  # noqa: E402
    CodeKind,
    CodePayload,
    generate_key,
    load_private_key,
    sign,
    verify,
)
from badges.render import CATEGORY_LABELS, BadgeData, render_pdf, render_png  # noqa: E402


def timings_ms(action: Callable[[], object], runs: int) -> list[float]:
    """Return the duration of each run of action in milliseconds."""
    action()  # warm font and QR caches
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        results.append((time.perf_counter() - start) * 1000)
    return results


def report(label: str, samples: list[float]) -> None:
    """Print the median and 95th percentile of samples."""
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    print(f"{label:<36} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def per_second(action: Callable[[], object], seconds: float = 1.5) -> float:
    """Return how many times action runs per second over about `seconds`."""
    count = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            action()
        count += 50
    return count / elapsed


def main() -> None:
    """Run the benchmarks and print the figures."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    pem, public = generate_key()
    key = load_private_key(pem)
    now = datetime.now(UTC)
    payload = CodePayload(CodeKind.BADGE, 12, 3456, 1, now - timedelta(hours=1), now + timedelta(days=3), 1)
    code = sign(payload, key)
    data = BadgeData(
        event_title="Meeting of States Parties to the Convention on Cluster Munitions",
        event_dates="9–11 September 2024",
        name="María José Fernández Ortega",
        delegation="Chile",
        function="Head of delegation",
        category="state_party",
        category_label=CATEGORY_LABELS["state_party"],
        badge_number="B-003456",
        code=code,
        venue="Palais des Nations, Geneva",
    )
    # a different code per badge, so no run profits from the QR cache of an earlier one
    badges = iter(
        [
            BadgeData(**{**data.__dict__, "code": sign(replace(payload, participant_id=i), key)})
            for i in range(3 * runs + 3)
        ]
    )
    print(f"CR80 landscape badge at 300 dpi, {runs} runs each, a new code each time")
    report("render_png", timings_ms(lambda: render_png(next(badges)), runs))
    report("render_pdf", timings_ms(lambda: render_pdf(next(badges)), runs))
    same = next(badges)
    report("render_png + render_pdf, same badge", timings_ms(
        lambda: (render_png(same), render_pdf(same)), runs
    ))  # fmt: skip
    long_name = BadgeData(**{**data.__dict__, "name": "Hubert Blaine " * 6})
    report("render_png (very long name)", timings_ms(lambda: render_png(long_name), runs // 2))
    mixed = BadgeData(**{**data.__dict__, "name": "H.E. Mr. أحمد العبيدي", "delegation": "Iraq"})
    report("render_png (Latin title, Arabic name)", timings_ms(lambda: render_png(mixed), runs // 2))
    names = [f"Dr. ليلى الحداد {i}" if i % 2 else f"王小明{i}先生" for i in range(runs * 2)]
    fresh = iter(names)
    report(
        "render_png (a new mixed-script name each time)",
        timings_ms(lambda: render_png(BadgeData(**{**data.__dict__, "name": next(fresh)})), runs // 2),
    )
    keys = {1: public}
    print(f"sign                                 {per_second(lambda: sign(payload, key)):9.0f} /s")
    verify_rate = per_second(lambda: verify(code, keys, event_id=12, kind=CodeKind.BADGE))
    print(f"verify                               {verify_rate:9.0f} /s")


if __name__ == "__main__":
    main()
