"""Class folders as LMS hand them over: per-student archives, Gradescope and Canvas exports.

:func:`ingest` turns a class folder into one :class:`~checkers.batch.tasks.Entry` per student,
plus the students whose upload could not be read (:class:`Rejected`, recorded in the
gradebook as that student's error, never the batch's). It understands:

- a plain folder: one file or folder per student (as :func:`checkers.batch.tasks.discover`),
  where an archive (``bob.zip``, ``bob.tar``, ``bob.tar.gz``, ``bob.tgz``) is bob's folder;
- Gradescope's "Download submissions" export: ``submission_metadata.yml`` beside one
  ``submission_ID/`` folder per submission; students are named from the metadata
  (``:submitters:`` ``:name:``), and the metadata file is never a student;
- Canvas's bulk download: files named ``NAME_[late_]USERID_SUBMISSIONID_FILENAME``, grouped
  per user id into one folder per student (named ``NAME``, or ``NAME_USERID`` when two
  students share a name).

Archives are extracted into a scratch folder, safely: a member with an absolute path, a
``..`` component, a link or a device, more than :data:`Caps.files` members, a file over
:data:`Caps.file_bytes` or a total over :data:`Caps.total_bytes` (counted as bytes are
written, not as the archive claims) rejects the archive; nothing is written outside the
scratch folder.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from checkers.batch.tasks import Entry, discover

ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar")
GRADESCOPE_METADATA = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"^(?P<name>[^_]+)_(?:late_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$",
                         re.IGNORECASE)
CANVAS_RESUBMISSION = re.compile(r"-\d+(?=\.[^.]+$)")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Caps:
    """Limits on what one archive may unpack to (decompression bombs, floods of files)."""

    files: int = 2000
    file_bytes: int = 256 << 20
    total_bytes: int = 512 << 20


class UnsafeArchive(ValueError):
    """An archive that is corrupt, unsafe, or over the caps (the message says which)."""


@dataclass(frozen=True)
class Rejected:
    """A student whose upload could not be used: the message is for the gradebook."""

    student: str
    path: Path
    message: str


@dataclass
class Ingested:
    """A class folder read: entries to grade, rejected uploads, and the layout found."""

    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    layout: str = "folder"
    # student -> LMS id (Canvas user id, Gradescope sid) where the layout gives one
    ids: dict[str, str] = field(default_factory=dict)


def archive_stem(name: str) -> str | None:
    """The name without its archive suffix, or None when ``name`` is no archive."""
    lower = name.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def _member_path(name: str) -> PurePosixPath:
    """The relative path of an archive member; raises UnsafeArchive for an escaping one."""
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean):
        raise UnsafeArchive(f"the archive holds an absolute path ({name!r})")
    if any(part == ".." for part in path.parts):
        raise UnsafeArchive(f"the archive holds a path that leaves its folder ({name!r})")
    parts = [p for p in path.parts if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


class _Writer:
    """Writes members under ``dest``, counting files and bytes against the caps."""

    def __init__(self, dest: Path, caps: Caps) -> None:
        self.dest = dest.resolve()
        self.caps = caps
        self.files = 0
        self.total = 0

    def _target(self, relative: PurePosixPath) -> Path:
        target = (self.dest / relative).resolve()
        if target != self.dest and self.dest not in target.parents:
            raise UnsafeArchive(f"the archive holds a path that leaves its folder ({relative})")
        return target

    def folder(self, relative: PurePosixPath) -> None:
        """Create a folder member."""
        self._target(relative).mkdir(parents=True, exist_ok=True)

    def file(self, relative: PurePosixPath, source: IO[bytes]) -> None:
        """Copy a file member from ``source``, within the caps."""
        self.files += 1
        if self.files > self.caps.files:
            raise UnsafeArchive(f"the archive holds more than {self.caps.files} files")
        target = self._target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            handle = os.open(target, flags, 0o644)
        except FileExistsError as error:
            raise UnsafeArchive(f"the archive holds {relative} twice") from error
        written = 0
        with os.fdopen(handle, "wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if written > self.caps.file_bytes:
                    raise UnsafeArchive(f"{relative} unpacks to more than "
                                        f"{self.caps.file_bytes >> 20} MiB")
                if self.total > self.caps.total_bytes:
                    raise UnsafeArchive(f"the archive unpacks to more than "
                                        f"{self.caps.total_bytes >> 20} MiB")
                out.write(chunk)


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[zipfile.ZipInfo, bool]]:
    for info in archive.infolist():
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type recorded
        if kind == stat.S_IFLNK:
            raise UnsafeArchive(f"the archive holds a symbolic link ({info.filename!r})")
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"the archive holds a special file ({info.filename!r})")
        yield info, info.is_dir()


def _extract_zip(path: Path, writer: _Writer) -> None:
    with zipfile.ZipFile(path) as archive:
        if len(archive.infolist()) > writer.caps.files * 2:
            raise UnsafeArchive(f"the archive holds more than {writer.caps.files} files")
        for info, is_dir in _zip_members(archive):
            relative = _member_path(info.filename)
            if is_dir:
                writer.folder(relative)
                continue
            if info.flag_bits & 0x1:
                raise UnsafeArchive(f"{info.filename} is encrypted")
            with archive.open(info) as source:
                writer.file(relative, source)


def _extract_tar(path: Path, writer: _Writer) -> None:
    with tarfile.open(path, mode="r:*") as archive:
        for info in archive:
            relative = _member_path(info.name)
            if info.issym() or info.islnk():
                raise UnsafeArchive(f"the archive holds a link ({info.name!r})")
            if info.isdir():
                writer.folder(relative)
            elif info.isfile():
                source = archive.extractfile(info)
                if source is None:
                    raise UnsafeArchive(f"{info.name} cannot be read")
                with source:
                    writer.file(relative, source)
            else:
                raise UnsafeArchive(f"the archive holds a special file ({info.name!r})")


def extract_archive(path: Path, dest: Path, caps: Caps | None = None) -> Path:
    """Extract ``path`` (zip or tar) into the new folder ``dest``; returns the folder to grade.

    That is ``dest``, or its only subfolder when the archive holds one folder and nothing
    else (``bob.zip`` holding ``bob/X.py``). Raises :class:`UnsafeArchive` (with a
    message for the student) and leaves nothing behind when the archive is corrupt, unsafe
    or over the caps.
    """
    caps = caps or Caps()
    dest.mkdir(parents=True)
    writer = _Writer(dest, caps)
    try:
        if path.name.lower().endswith(".zip"):
            _extract_zip(path, writer)
        else:
            _extract_tar(path, writer)
    except UnsafeArchive:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError,
            NotImplementedError) as error:
        shutil.rmtree(dest, ignore_errors=True)
        detail = str(error) or type(error).__name__
        raise UnsafeArchive(f"{path.name} is not a readable archive ({detail})") from error
    inside = [p for p in dest.iterdir() if p.name not in ("__MACOSX",)
              and not p.name.startswith(".")]
    if len(inside) == 1 and inside[0].is_dir():
        return inside[0]
    return dest


def _safe_student(name: str) -> str:
    text = "".join(ch if ch.isalnum() or ch in "-_.@+ " else "_" for ch in name).strip(" .")
    return text or "_"


def _unpack(student: str, path: Path, scratch: Path, caps: Caps,
            result: Ingested) -> None:
    """Extract ``path`` as ``student``'s entry (or record the student as rejected)."""
    dest = scratch / f"{len(result.entries) + len(result.rejected):04d}-{_safe_student(student)}"
    try:
        folder = extract_archive(path, dest, caps)
    except UnsafeArchive as error:
        result.rejected.append(Rejected(student, path, f"{path.name} was not graded: {error}"))
        return
    result.entries.append(Entry(student, folder))


def _plain(folder: Path, scratch: Path, caps: Caps) -> Ingested:
    result = Ingested(layout="folder")
    taken: dict[str, int] = {}
    items = []
    for entry in discover(folder):
        stem = archive_stem(entry.path.name) if entry.path.is_file() else None
        student = stem if stem is not None else entry.student
        taken[student] = taken.get(student, 0) + 1
        items.append((student, entry, stem is not None))
    for student, entry, is_archive in items:
        if taken[student] > 1:
            student = entry.path.name
        if is_archive:
            _unpack(student, entry.path, scratch, caps, result)
        else:
            result.entries.append(Entry(student, entry.path))
    return result


def _only_folder(path: Path) -> Path:
    """A folder's only subfolder (repeatedly) when it holds nothing else: an uploaded folder."""
    while path.is_dir():
        inside = [p for p in path.iterdir() if not p.name.startswith(".")
                  and p.name != "__MACOSX"]
        if len(inside) != 1 or not inside[0].is_dir():
            break
        path = inside[0]
    return path


def _gradescope_submitters(folder: Path) -> dict[str, list[dict]]:
    """submission folder name -> its submitters (dicts with name, sid, email)."""
    import yaml

    try:
        data = yaml.safe_load((folder / GRADESCOPE_METADATA).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise ValueError(f"{GRADESCOPE_METADATA} cannot be read: {error}") from error
    found: dict[str, list[dict]] = {}
    for key, value in (data or {}).items():
        if not isinstance(value, dict):
            continue
        people = value.get(":submitters") or value.get("submitters") or []
        found[str(key)] = [{str(k).lstrip(":"): v for k, v in p.items()}
                           for p in people if isinstance(p, dict)]
    return found


def _gradescope(folder: Path, scratch: Path, caps: Caps) -> Ingested:
    result = Ingested(layout="gradescope")
    submitters = _gradescope_submitters(folder)
    names: dict[str, str] = {}
    for key in sorted(submitters):
        people = submitters[key]
        label = " & ".join(str(p.get("name") or p.get("email") or p.get("sid") or key)
                           for p in people) or key
        names[key] = label
    counts: dict[str, int] = {}
    for label in names.values():
        counts[label] = counts.get(label, 0) + 1
    for item in sorted(folder.iterdir()):
        if item.name == GRADESCOPE_METADATA or item.name.startswith(".") or item.is_symlink():
            continue
        key = archive_stem(item.name) or item.name
        label = names.get(key, key)
        if counts.get(label, 0) > 1:
            label = f"{label} ({key})"
        people = submitters.get(key, [])
        if people and people[0].get("sid"):
            result.ids[label] = str(people[0]["sid"])
        if item.is_file() and archive_stem(item.name) is not None:
            _unpack(label, item, scratch, caps, result)
        elif item.is_dir() or item.is_file():
            inner = [p for p in item.iterdir()] if item.is_dir() else []
            if len(inner) == 1 and inner[0].is_file() and archive_stem(inner[0].name):
                _unpack(label, inner[0], scratch, caps, result)
            else:
                result.entries.append(Entry(label, _only_folder(item)))
    return result


def _canvas_groups(folder: Path) -> dict[str, tuple[str, list[tuple[Path, str]]]] | None:
    """user id -> (name, [(file, original name)]) when every file has Canvas's name form."""
    files = [p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink()]
    if not files or any(not p.is_file() for p in files):
        return None
    groups: dict[str, tuple[str, list[tuple[Path, str]]]] = {}
    for item in sorted(files):
        match = CANVAS_NAME.match(item.name)
        if match is None:
            return None
        name, user = match["name"], match["user"]
        original = CANVAS_RESUBMISSION.sub("", match["file"])
        groups.setdefault(user, (name, []))[1].append((item, original))
    return groups


def _canvas(folder: Path, groups: dict, scratch: Path, caps: Caps) -> Ingested:
    result = Ingested(layout="canvas")
    counts: dict[str, int] = {}
    for name, _ in groups.values():
        counts[name] = counts.get(name, 0) + 1
    for user, (name, files) in sorted(groups.items(), key=lambda g: (g[1][0], g[0])):
        student = name if counts[name] == 1 else f"{name}_{user}"
        result.ids[student] = user
        if len(files) == 1 and archive_stem(files[0][1]) is not None:
            _unpack(student, files[0][0], scratch, caps, result)
            continue
        dest = scratch / f"{len(result.entries) + len(result.rejected):04d}-{student}"
        dest.mkdir(parents=True)
        for path, original in files:
            shutil.copy2(path, dest / Path(original).name)
        result.entries.append(Entry(student, dest))
    return result


def ingest(folder: Path, scratch: Path, caps: Caps | None = None) -> Ingested:
    """Read a class folder (see the module docstring); archives unpack under ``scratch``."""
    folder, caps = Path(folder), caps or Caps()
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of submissions")
    scratch = Path(scratch)
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    if (folder / GRADESCOPE_METADATA).is_file():
        return _gradescope(folder, scratch, caps)
    groups = _canvas_groups(folder)
    if groups:
        return _canvas(folder, groups, scratch, caps)
    return _plain(folder, scratch, caps)
