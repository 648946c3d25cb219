"""How fast the review page answers a key: a 300-student qa gradebook in headless Chromium.

    python bench/bench_review.py [--students 300] [--decisions 60] [--pause 0.3]
                                 [--out bench/review_results.json]

Builds a class of ``students`` qa answers files from ``tests/qa_calibration`` and their
grades (ten questions each, about 29 % flagged ``needs_review``, as measured on the
labelled answers) through the gradebook API, serves it with ``seqgrade review --serve``
(in a thread of this process), opens the page in Debian's headless Chromium under Selenium
and decides ``decisions`` flagged answers with the keys ``a``, ``0``, ``1``, ``2`` in turn,
waiting ``pause`` seconds between them (a reviewer reads the next answer). Per key, the
page records (``window.reviewTimings``):

- ``render_ms``: from the key event to the next item written into the page;
- ``paint_ms``: to the first task after the next animation frame (the item on screen);
- ``saved_ms``: to the server's answer that the decision is committed (``saved ✓``);
- ``prefetched``: whether the next item's details were already loaded.

Also measured: the page's load (to the queue shown) and the server side of ``/api/queue``,
``/api/item`` and ``/api/decide`` (wall time of a request from Python). The target: the
page's response to a key (``paint_ms``) below 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checkers.batch.gradebook import Gradebook  # noqa: E402
from checkers.batch.review_server import ReviewServer  # noqa: E402
from tests.test_review_browser import open_browser, press, wait_for  # noqa: E402
from tests.test_review_server import build_qa_class, post  # noqa: E402


def _summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"median": round(statistics.median(values), 2),
            "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))], 2),
            "max": round(values[-1], 2), "n": len(values)}


def _timed_get(url: str, token: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"X-Review-Token": token})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        size = len(response.read())
    return 1000 * (time.perf_counter() - start), size


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--decisions", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "review_results.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "class", Path(tmp) / "grades.sqlite"
        start = time.perf_counter()
        build_qa_class(folder, db, args.students, seed=1)
        built_s = time.perf_counter() - start
        with Gradebook(db) as book:
            reviewed, flagged = book.review_progress("qa")
        print(f"gradebook: {args.students} students, {flagged} flagged answers "
              f"(built in {built_s:.1f} s)")
        with ReviewServer(db, "qa", who="bench") as server:
            base = f"http://127.0.0.1:{server.port}"
            queue_ms, queue_bytes = zip(*(_timed_get(base + "/api/queue", server.token)
                                          for _ in range(5)), strict=True)
            item_ms = [_timed_get(f"{base}/api/item?student=s{n:03d}&check=qa.q{n % 10 + 1}",
                                  server.token)[0] for n in range(40)]
            driver = open_browser(Path(tmp) / "profile")
            try:
                start = time.perf_counter()
                driver.get(server.url)
                wait_for(driver, "document.body.dataset.ready === '1'", timeout=60)
                load_ms = 1000 * (time.perf_counter() - start)
                wait_for(driver, "document.getElementById('item').dataset.loaded === '1'")
                time.sleep(args.pause)
                keys = "a012"
                for n in range(1, args.decisions + 1):
                    press(driver, keys[n % len(keys)])
                    wait_for(driver, f"document.body.dataset.confirmed === '{n}'")
                    time.sleep(args.pause)
                timings = driver.execute_script("return window.reviewTimings")
            finally:
                driver.quit()
            # The server alone: a decision's round trip from Python.
            with Gradebook(db) as book:
                pending = [(r.student, c.id) for r in book.rows("qa")
                           for c in r.report.checks][-40:]
            decide_ms = []
            for student, check in pending:
                t0 = time.perf_counter()
                status, _ = post(base, "/api/decide", {"student": student, "check": check,
                                                       "score": 5}, server.token)
                decide_ms.append(1000 * (time.perf_counter() - t0))
                assert status == 200
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), "
                   f"Python {platform.python_version()}, Chromium headless",
        "students": args.students, "answers": args.students * 10, "flagged": flagged,
        "decisions": args.decisions, "pause_s": args.pause,
        "page_load_ms": round(load_ms, 1),
        "key_to_render_ms": _summary([t["render_ms"] for t in timings]),
        "key_to_paint_ms": _summary([t["paint_ms"] for t in timings if "paint_ms" in t]),
        "key_to_saved_ms": _summary([t["saved_ms"] for t in timings if "saved_ms" in t]),
        "prefetched_share": round(sum(bool(t["prefetched"]) for t in timings)
                                  / len(timings), 3),
        "api_queue_ms": _summary(list(queue_ms)), "api_queue_bytes": queue_bytes[0],
        "api_item_ms": _summary(item_ms), "api_decide_ms": _summary(decide_ms),
    }
    print(json.dumps(results, indent=1))
    verdict = "below" if results["key_to_paint_ms"]["p95"] < 100 else "NOT below"
    print(f"key → next item on screen: median {results['key_to_paint_ms']['median']} ms, "
          f"p95 {results['key_to_paint_ms']['p95']} ms ({verdict} the 100 ms target)")
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
