"""qa reports on the numpy engine against the torch engine, file by file, and their speed.

    python bench/qa/compare_engines.py vectors [--answers 40]
    python bench/qa/compare_engines.py reports [--limit N] [--out DIR]
    python bench/qa/compare_engines.py speed [--rounds 5] [--batch 8] [--threads 2]

``vectors`` prints the largest absolute difference between the engines' sentence embeddings
(the rubric's statements and every labelled answer and its sentences, batched as the
grader batches them) and between their cross-encoder logits and probabilities on the
(statement, unit) pairs the judge reads when it grades ``--answers`` labelled English
answers.

``reports`` writes one answers file per (split, k) of the labelled splits of
``tests/qa_calibration`` (the k-th labelled answer of each question of the split: tune 21
files, held-out 21, fresh 6, unseen 9), grades all of them once per engine, each engine in
its own process (models loaded once, its own vector cache), and compares the reports
rounded to 4 decimals: scores, statuses, feedback, metrics. A difference is printed with
the unrounded values on both sides.

``speed`` alternates the engines (numpy, torch, numpy, ...) on this machine and prints
medians: one answers file in a fresh process, model loading included; and a batch of
files graded in one process with the models already loaded.

``SEQGRADE_QA_ENGINE`` selects the engine (:func:`checkers.exercises.qa.embed.engine_name`);
the torch engine needs torch (``pip install ".[qa-train]"``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ENGINES = ("numpy", "torch")
DECIMALS = 4


def calibration_texts() -> list[str]:
    """The rubric's statements, every labelled answer and each of its sentences."""
    from bench.bench_qa import load_calibration
    from checkers.exercises.qa import text as qa_text
    from checkers.exercises.qa.keypoints import QUESTIONS

    texts = [s for q in QUESTIONS for p in q.points for s in p.statements]
    for row in load_calibration():
        texts += [row.text, *qa_text.sentences(qa_text.normalize(row.text))]
    return [t for t in dict.fromkeys(texts) if t.strip()]


def judged_pairs(answers: int) -> list[tuple[str, str]]:
    """The (statement, unit) pairs the judge reads on the numpy engine while grading the
    first ``answers`` English labelled answers (taken across kinds in turn)."""
    from bench.bench_qa import load_calibration
    from checkers.exercises.qa import crossencoder, embed, scoring

    by_kind: dict[str, list[Any]] = defaultdict(list)
    for row in load_calibration():
        if row.lang == "en":
            by_kind[row.kind].append(row)
    rows = [row for group in zip_longest_lists(list(by_kind.values())) for row in group]
    model = crossencoder._load_cross_encoder(str(crossencoder.ADAPTER_FILE),
                                             str(embed.default_model_path()), "numpy")
    model._cache.clear()
    for row in rows[:answers]:
        scoring.grade_answer(row.question, row.text)
    return sorted(model._cache)


def vector_differences(texts: list[str], pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Largest absolute differences numpy − torch: sentence embeddings of ``texts`` and
    cross-encoder logits and probabilities of ``pairs``, each engine run on the grader's
    own batches (one thread)."""
    import numpy as np

    from checkers.exercises.qa import crossencoder, embed

    path = str(embed.default_model_path())
    result: dict[str, float] = {"texts": len(texts), "pairs": len(pairs)}
    encoders = {engine: embed._load(path, engine) for engine in ENGINES}
    lengths = [int(m.sum()) for m in encoders["numpy"].tokenize(texts, embed.MAX_TOKENS)[1]]
    batches = embed.length_batches(texts, lengths)
    vectors = {}
    for engine, encoder in encoders.items():
        with encoder.inference(1):
            vectors[engine] = np.concatenate([embed.Embedder._forward(encoder, b)
                                              for b in batches])
    result["embedding_max_abs"] = float(np.abs(vectors["numpy"] - vectors["torch"]).max())
    cosines = (vectors["numpy"] * vectors["torch"]).sum(axis=1)
    result["embedding_min_cosine"] = float(cosines.min())
    models = {engine: crossencoder._load_cross_encoder(str(crossencoder.ADAPTER_FILE), path,
                                                       engine) for engine in ENGINES}
    lengths = [int(m.sum()) for m in
               encoders["numpy"].tokenize_pairs(pairs, crossencoder.MAX_TOKENS)[1]]
    logits = {}
    for engine, model in models.items():
        with model.encoder.inference(1):
            logits[engine] = np.concatenate(
                [model.encoder.to_numpy(model.logits(*model.encode(b)))
                 for b in embed.length_batches(pairs, lengths)])
    result["logits_max_abs"] = float(np.abs(logits["numpy"] - logits["torch"]).max())
    probs = {e: np.exp(v - v.max(1, keepdims=True)) for e, v in logits.items()}
    probs = {e: v / v.sum(1, keepdims=True) for e, v in probs.items()}
    result["probability_max_abs"] = float(np.abs(probs["numpy"] - probs["torch"]).max())
    return result


def answers_files(folder: Path, limit: int | None = None) -> list[Path]:
    """Write the labelled splits' answers files into ``folder`` (at most ``limit``, taken
    across the splits in turn) and return their paths, in a fixed order."""
    from bench.bench_qa import load_calibration

    by_split: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in load_calibration():
        by_split[row.split][row.question].append(row.text)
    files: dict[str, list[Path]] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for split, questions in sorted(by_split.items()):
        files[split] = []
        for k in range(max(len(texts) for texts in questions.values())):
            body = "".join(f"## {q}\n\n{texts[k]}\n\n"
                           for q, texts in sorted(questions.items(),
                                                  key=lambda kv: int(kv[0][1:]))
                           if k < len(texts))
            path = folder / f"{split}_{k:02d}.md"
            path.write_text(body, encoding="utf-8")
            files[split].append(path)
    ordered = [path for group in zip_longest_lists(list(files.values())) for path in group]
    return ordered[:limit] if limit else ordered


def zip_longest_lists(lists: list[list[Path]]) -> list[list[Path]]:
    """Round-robin groups: the first of each list, then the second of each, ..."""
    longest = max((len(items) for items in lists), default=0)
    return [[items[i] for items in lists if i < len(items)] for i in range(longest)]


def rounded(value: Any) -> Any:
    """``value`` with every float rounded to :data:`DECIMALS` decimals (-0.0 read as 0.0)."""
    if isinstance(value, float):
        return round(value, DECIMALS) + 0.0
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def report_data(path: Path) -> dict[str, Any]:
    """The qa report of ``path`` as data, without durations (unrounded)."""
    from checkers.engine.grading import grade

    return grade("qa", path).to_dict(with_durations=False)


def grade_files(paths: list[Path], out: Path) -> None:
    """Grade ``paths`` in this process (the engine of ``$SEQGRADE_QA_ENGINE``) and write
    ``{file name: report data}`` to ``out`` as JSON, rewritten after each file (a run cut
    short still leaves the files it graded: ``diff``)."""
    reports = {}
    for path in paths:
        reports[path.name] = report_data(path)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(reports, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(out)


def _engine_env(engine: str, cache: Path, threads: int = 1) -> dict[str, str]:
    return dict(os.environ, SEQGRADE_QA_ENGINE=engine, SEQGRADE_CACHE_DIR=str(cache),
                SEQGRADE_QA_THREADS=str(threads), HF_HUB_OFFLINE="1",
                TOKENIZERS_PARALLELISM="false")


def reports_by_engine(paths: list[Path], work: Path,
                      engines: tuple[str, ...] = ENGINES) -> dict[str, dict[str, Any]]:
    """Each engine's reports of ``paths``: one process per engine, run side by side, each
    with a vector cache of its own."""
    running = {}
    for engine in engines:
        out = work / f"reports_{engine}.json"
        code = ("import sys, json; from pathlib import Path; "
                "from bench.qa.compare_engines import grade_files; "
                "grade_files([Path(p) for p in json.loads(sys.argv[1])], Path(sys.argv[2]))")
        running[engine] = (out, subprocess.Popen(
            [sys.executable, "-c", code, json.dumps([str(p) for p in paths]), str(out)],
            cwd=ROOT, env=_engine_env(engine, work / f"cache_{engine}"),
            stderr=subprocess.PIPE, text=True))
    results = {}
    for engine, (out, process) in running.items():
        _, stderr = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{engine}: grading failed\n{stderr[-3000:]}")
        results[engine] = json.loads(out.read_text(encoding="utf-8"))
    return results


def differences(first: Any, second: Any, where: str = "", tolerance: float = 0.0
                ) -> list[str]:
    """Where ``first`` and ``second`` differ once rounded to :data:`DECIMALS` decimals, with
    both unrounded values; two numbers at most ``tolerance`` apart count as equal (one unit
    of the last decimal: a value within float32 rounding of x.xxxx5 may round either way)."""
    if isinstance(first, dict) and isinstance(second, dict):
        out = []
        for key in sorted(set(first) | set(second)):
            out += differences(first.get(key), second.get(key), f"{where}/{key}", tolerance)
        return out
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        out = []
        for i, (a, b) in enumerate(zip(first, second, strict=True)):
            label = a.get("id", i) if isinstance(a, dict) else i
            out += differences(a, b, f"{where}[{label}]", tolerance)
        return out
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool)
                  for v in (first, second))
    if numbers and abs(float(first) - float(second)) <= tolerance:
        return []
    if rounded(first) != rounded(second):
        return [f"{where}: {first!r} != {second!r}"]
    return []


def compare(limit: int | None, work: Path) -> int:
    """Grade the answers files with both engines and print every difference."""
    paths = answers_files(work / "answers", limit)
    started = time.perf_counter()
    reports = reports_by_engine(paths, work)
    print(f"{len(paths)} answers files graded by {', '.join(ENGINES)} "
          f"in {time.perf_counter() - started:.0f} s")
    return print_differences(reports)


def print_differences(reports: dict[str, dict[str, Any]]) -> int:
    """Print every difference between the engines' reports of the files both graded;
    1 when some report differs."""
    names = sorted(set(reports["numpy"]) & set(reports["torch"]))
    found = 0
    for name in names:
        diff = differences(reports["numpy"][name], reports["torch"][name])
        found += bool(diff)
        for line in diff:
            print(f"{name}{line}")
    values = sum(_count_values(reports["numpy"][name]) for name in names)
    print(f"{len(names) - found} of {len(names)} reports identical at {DECIMALS} decimals "
          f"({values} numbers and strings compared)")
    return 1 if found else 0


def _count_values(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_count_values(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count_values(v) for v in node)
    return 1


def _one_file_seconds(engine: str, path: Path, cache: Path, threads: int) -> float:
    code = ("from checkers.engine.grading import grade; import sys; "
            "grade('qa', sys.argv[1])")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True,
                   env=_engine_env(engine, cache, threads))
    return time.perf_counter() - started


def _batch_seconds(engine: str, paths: list[Path], cache: Path, threads: int) -> float:
    """Seconds to grade ``paths`` in one process once its models are loaded (the first,
    loading, file not counted)."""
    code = ("import sys, time, json; from checkers.engine.grading import grade; "
            "paths = json.loads(sys.argv[1]); grade('qa', paths[0]); "
            "t = time.perf_counter(); [grade('qa', p) for p in paths[1:]]; "
            "print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, json.dumps([str(p) for p in paths])],
                          cwd=ROOT, check=True, capture_output=True, text=True,
                          env=_engine_env(engine, cache, threads))
    return float(done.stdout.split()[-1])


def speed(rounds: int, batch: int, threads: int, work: Path) -> dict[str, Any]:
    """Alternate the engines ``rounds`` times on one file (fresh process) and on a batch of
    ``batch`` files (models loaded); print and return the medians and ratios."""
    reference = ROOT / "solutions" / "qa_answers.md"
    paths = [reference, *answers_files(work / "answers", batch)]
    caches = {engine: work / f"cache_{engine}" for engine in ENGINES}
    for engine in ENGINES:  # the key-point statements' vectors on disk, as in use
        _one_file_seconds(engine, reference, caches[engine], threads)
    one: dict[str, list[float]] = defaultdict(list)
    many: dict[str, list[float]] = defaultdict(list)
    for n in range(rounds):
        order = ENGINES if n % 2 == 0 else ENGINES[::-1]
        for engine in order:
            one[engine].append(_one_file_seconds(engine, reference, caches[engine], threads))
        for engine in order:
            many[engine].append(_batch_seconds(engine, paths, caches[engine], threads))
        print(f"round {n + 1}: one file " + ", ".join(f"{e} {one[e][-1]:.1f} s" for e in ENGINES)
              + f"; {batch} files " + ", ".join(f"{e} {many[e][-1]:.1f} s" for e in ENGINES),
              flush=True)
    result: dict[str, Any] = {"threads": threads, "rounds": rounds, "batch_files": batch}
    for name, runs in (("one_file_fresh_process", one), ("batch_models_loaded", many)):
        medians = {e: round(statistics.median(runs[e]), 2) for e in ENGINES}
        result[name] = {"runs": {e: [round(v, 2) for v in runs[e]] for e in ENGINES},
                        "median_s": medians,
                        "numpy_over_torch": round(medians["numpy"] / medians["torch"], 3)}
        print(f"{name}: median numpy {medians['numpy']:.2f} s, torch {medians['torch']:.2f} s, "
              f"ratio {result[name]['numpy_over_torch']:.3f}")
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    vectors = sub.add_parser("vectors", help="largest differences of vectors and logits")
    vectors.add_argument("--answers", type=int, default=40)
    reports = sub.add_parser("reports", help="compare the reports of both engines")
    reports.add_argument("--limit", type=int, help="at most this many answers files")
    reports.add_argument("--out", type=Path, help="keep the files and reports here")
    diff = sub.add_parser("diff", help="compare the reports a (cut short) run left in DIR")
    diff.add_argument("dir", type=Path)
    timing = sub.add_parser("speed", help="time both engines, alternating")
    timing.add_argument("--rounds", type=int, default=5)
    timing.add_argument("--batch", type=int, default=8)
    timing.add_argument("--threads", type=int, default=2)
    timing.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.command == "vectors":
        started = time.perf_counter()
        result = vector_differences(calibration_texts(), judged_pairs(args.answers))
        print(json.dumps(result, indent=1))
        print(f"({time.perf_counter() - started:.0f} s)")
        return 0
    if args.command == "diff":
        return print_differences({engine: json.loads(
            (args.dir / f"reports_{engine}.json").read_text(encoding="utf-8"))
            for engine in ENGINES})
    with tempfile.TemporaryDirectory() as tmp:
        work = getattr(args, "out", None) or Path(tmp)
        if args.command == "reports":
            return compare(args.limit, work)
        result = speed(args.rounds, args.batch, args.threads, work)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
