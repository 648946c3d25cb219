"""Class folders from LMS exports: per-student archives, Gradescope's and Canvas's layouts.

Hostile archives (``..`` paths, absolute paths, links, a decompression bomb, a corrupt zip)
each become that student's error, and nothing is written outside the scratch folder.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from checkers.batch.gradebook import Gradebook
from checkers.batch.ingest import Caps, UnsafeArchive, extract_archive, ingest
from checkers.batch.run import run_batch
from tests.helpers import SOLUTIONS, grading_options

REFERENCE = (SOLUTIONS / "reber.py").read_text(encoding="utf-8")
CHECK = ["reber.string_to_ids"]  # fast, no model: the batch test is about names, not grades


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_per_student_archives_become_folders(tmp_path: Path) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    _zip(klass / "alice.zip", {"alice/reber.py": b"x = 1\n", "alice/reber.keras": b"m"})
    _tar(klass / "bob.tar.gz", {"reber.py": b"x = 2\n"})
    _tar(klass / "carol.tar", {"sub/reber.py": b"x = 3\n", "notes.txt": b"hi"}, mode="w")
    (klass / "dave.py").write_text("x = 4\n")
    found = ingest(klass, tmp_path / "scratch")
    assert found.layout == "folder" and not found.rejected
    entries = {e.student: e.path for e in found.entries}
    assert sorted(entries) == ["alice", "bob", "carol", "dave"]
    assert (entries["alice"] / "reber.py").read_text() == "x = 1\n"  # the only folder
    assert (entries["alice"] / "reber.keras").exists()
    assert (entries["bob"] / "reber.py").read_text() == "x = 2\n"
    assert (entries["carol"] / "sub" / "reber.py").exists()
    assert entries["dave"] == klass / "dave.py"


HOSTILE = {
    "dotdot": {"../../escaped.txt": b"gotcha", "reber.py": b"x = 1\n"},
    "absolute": {"/tmp/seqgrade-absolute-escape.txt": b"gotcha"},
    "backslash": {"..\\..\\escaped2.txt": b"gotcha"},
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_escaping_paths_are_refused(tmp_path: Path, kind: str) -> None:
    members = HOSTILE[kind]
    scratch = tmp_path / "a" / "b" / "scratch"
    for maker, name in ((_zip, "s.zip"), (_tar, "s.tar.gz")):
        archive = maker(tmp_path / name, members)
        with pytest.raises(UnsafeArchive, match="absolute|leaves its folder"):
            extract_archive(archive, scratch / name)
        assert not (scratch / name).exists()
    assert _files_under(tmp_path) == {"s.zip", "s.tar.gz"}
    assert not Path("/tmp/seqgrade-absolute-escape.txt").exists()


def test_links_in_archives_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "links.tar"
    with tarfile.open(archive, "w") as tar:
        link = tarfile.TarInfo("out")
        link.type, link.linkname = tarfile.SYMTYPE, str(tmp_path)
        tar.addfile(link)
        data = b"gotcha"
        through = tarfile.TarInfo("out/escaped.txt")
        through.size = len(data)
        tar.addfile(through, io.BytesIO(data))
    with pytest.raises(UnsafeArchive, match="link"):
        extract_archive(archive, tmp_path / "scratch")
    zipped = tmp_path / "links.zip"
    with zipfile.ZipFile(zipped, "w") as out:
        info = zipfile.ZipInfo("out")
        info.external_attr = (0o120777 << 16)
        out.writestr(info, str(tmp_path))
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        extract_archive(zipped, tmp_path / "scratch2")
    assert _files_under(tmp_path) == {"links.tar", "links.zip"}


def test_decompression_bomb_and_floods_are_capped(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (8 << 20)})
    assert bomb.stat().st_size < 64 << 10  # a small file that unpacks to 8 MiB
    caps = Caps(files=10, file_bytes=1 << 20, total_bytes=4 << 20)
    with pytest.raises(UnsafeArchive, match="more than 1 MiB"):
        extract_archive(bomb, tmp_path / "s1", caps)
    many = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"." * 100_000 for i in range(11)})
    with pytest.raises(UnsafeArchive, match="more than 10 files"):
        extract_archive(many, tmp_path / "s2", caps)
    total = _tar(tmp_path / "total.tar.gz", {f"f{i}.bin": b"\0" * (900 << 10) for i in range(6)})
    with pytest.raises(UnsafeArchive, match="more than 4 MiB"):
        extract_archive(total, tmp_path / "s3", caps)
    assert not any((tmp_path / s).exists() for s in ("s1", "s2", "s3"))


def test_corrupt_archives_are_one_students_error(tmp_path: Path) -> None:
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "eve.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    good = _zip(tmp_path / "x.zip", {"reber.py": b"x = 1\n"}).read_bytes()
    (klass / "frank.zip").write_bytes(good[: len(good) // 2])  # truncated
    (klass / "gina.tar.gz").write_bytes(b"\x1f\x8b\x08 truncated gzip")
    _zip(klass / "hal.zip", {"../../../escaped.txt": b"gotcha"})
    _zip(klass / "ivy.zip", {"reber.py": b"x = 1\n"})
    found = ingest(klass, tmp_path / "scratch")
    assert [e.student for e in found.entries] == ["ivy"]
    messages = {r.student: r.message for r in found.rejected}
    assert sorted(messages) == ["eve", "frank", "gina", "hal"]
    assert "eve.zip was not graded" in messages["eve"] and "not a readable" in messages["eve"]
    assert "leaves its folder" in messages["hal"]
    outside = _files_under(tmp_path) - {f"class/{n}" for n in (
        "eve.zip", "frank.zip", "gina.tar.gz", "hal.zip", "ivy.zip")} - {"x.zip"}
    assert outside == {"scratch/0004-ivy/reber.py"}  # only under the scratch folder


GRADESCOPE_YML = """\
submission_1001:
  :submitters:
  - :name: Alice Liddell
    :sid: '42'
    :email: alice@example.edu
  :created_at: 2026-11-01 10:00:00.000000000 -07:00
  :score: 0.0
submission_1002:
  :submitters:
  - :name: Bob Stone
    :sid: '43'
    :email: bob@example.edu
  - :name: Carol King
    :sid: '44'
    :email: carol@example.edu
  :created_at: 2026-11-01 11:00:00.000000000 -07:00
submission_1003:
  :submitters:
  - :name: Dan Broken
    :sid: '45'
"""


def _gradescope_export(root: Path, good: str, bad: str) -> Path:
    root.mkdir()
    (root / "submission_metadata.yml").write_text(GRADESCOPE_YML, encoding="utf-8")
    (root / "submission_1001").mkdir()
    (root / "submission_1001" / "reber.py").write_text(good, encoding="utf-8")
    (root / "submission_1002" / "hw" / "src").mkdir(parents=True)  # an uploaded folder
    (root / "submission_1002" / "hw" / "src" / "reber.py").write_text(bad, encoding="utf-8")
    (root / "submission_1003").mkdir()
    (root / "submission_1003" / "upload.zip").write_bytes(b"PK\x03\x04 corrupt")
    return root


def test_gradescope_export_names_students_from_metadata(tmp_path: Path) -> None:
    root = _gradescope_export(tmp_path / "export", "x = 1\n", "x = 2\n")
    found = ingest(root, tmp_path / "scratch")
    assert found.layout == "gradescope"
    assert [e.student for e in found.entries] == ["Alice Liddell", "Bob Stone & Carol King"]
    assert [r.student for r in found.rejected] == ["Dan Broken"]
    assert found.ids == {"Alice Liddell": "42", "Bob Stone & Carol King": "43",
                         "Dan Broken": "45"}


def test_canvas_bulk_download_groups_files_per_student(tmp_path: Path) -> None:
    root = tmp_path / "canvas"
    root.mkdir()
    (root / "liddellalice_1234_5678_reber.py").write_text("x = 1\n")
    (root / "liddellalice_1234_5678_reber.keras").write_bytes(b"model")
    (root / "stonebob_late_2222_9999_reber-1.py").write_text("x = 2\n")
    (root / "smithjo_3333_1111_reber.py").write_text("x = 3\n")
    (root / "smithjo_4444_1212_reber.py").write_text("x = 4\n")
    found = ingest(root, tmp_path / "scratch")
    assert found.layout == "canvas" and not found.rejected
    entries = {e.student: e.path for e in found.entries}
    assert sorted(entries) == ["liddellalice", "smithjo_3333", "smithjo_4444", "stonebob"]
    assert sorted(p.name for p in entries["liddellalice"].iterdir()) == ["reber.keras",
                                                                         "reber.py"]
    assert (entries["stonebob"] / "reber.py").read_text() == "x = 2\n"  # "-1" dropped
    assert found.ids["stonebob"] == "2222"


def test_batch_grades_archives_and_gradescope_export(tmp_path: Path) -> None:
    """Real grading: per-student zips, then a Gradescope export, into one gradebook each."""
    wrong = REFERENCE + "\n\ndef string_to_ids(s):\n    return [0 for _ in s]\n"
    klass = tmp_path / "class"
    klass.mkdir()
    _zip(klass / "alice.zip", {"alice/reber.py": REFERENCE.encode()})
    _zip(klass / "bob.zip", {"reber.py": wrong.encode()})
    _zip(klass / "mallory.zip", {"../../../escaped.py": b"x = 1\n"})
    (klass / "zed.zip").write_bytes(b"not a zip at all")
    db = tmp_path / "grades.sqlite"
    summary = run_batch("reber", klass, db, checks=CHECK, options=grading_options())
    assert summary.total == 4
    with Gradebook(db) as book:
        rows = {r.student: r for r in book.rows("reber")}
    assert sorted(rows) == ["alice", "bob", "mallory", "zed"]
    assert rows["alice"].score == 5.0 and rows["bob"].score == 0.0
    for name in ("mallory", "zed"):
        assert rows[name].status == "missing"
        assert f"{name}.zip was not graded" in rows[name].report.checks[0].feedback
    assert not list(tmp_path.rglob("escaped.py"))
    again = run_batch("reber", klass, db, checks=CHECK, options=grading_options())
    assert (again.graded, again.skipped) == (0, 4)  # resume: unchanged archives, rejects too

    export = _gradescope_export(tmp_path / "export", REFERENCE, wrong)
    db2 = tmp_path / "gs.sqlite"
    run_batch("reber", export, db2, checks=CHECK, options=grading_options())
    with Gradebook(db2) as book:
        rows = {r.student: r for r in book.rows("reber")}
    assert sorted(rows) == ["Alice Liddell", "Bob Stone & Carol King", "Dan Broken"]
    assert rows["Alice Liddell"].score == 5.0
    assert rows["Bob Stone & Carol King"].score == 0.0
    assert rows["Dan Broken"].status == "missing"
