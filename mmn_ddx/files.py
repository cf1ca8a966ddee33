"""Writing files the user keeps: atomically, through links, one writer at a time, never over
something they did not mean to lose."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
import time
import weakref
from datetime import datetime, timezone
from pathlib import Path

from mmn_ddx.errors import InputError, Problem

try:
    import fcntl
except ImportError:  # not POSIX: the lock falls back to an O_EXCL file holding the pid
    fcntl = None  # type: ignore[assignment]

STALE_TEMP_SECONDS = 3600  # a temporary file without an owner's pid is stale after an hour


def _cannot_write(path: Path, error: OSError) -> InputError:
    if isinstance(error, (FileExistsError, NotADirectoryError)) and not path.parent.is_dir():
        # The file in the way may be further up: out/sub/x.md where 'out' is a file.
        in_the_way = next((p for p in path.parents if p.exists() or p.is_symlink()), path.parent)
        return InputError(Problem(str(path), None, f"cannot be written: '{in_the_way}' is a file, not a folder.",
                                  "Choose a path inside a folder."))
    return InputError(Problem(str(path), None, f"cannot be written ({error.strerror or error}).",
                              "Check that the folder exists, that you may write there, and the disk space."))


def real_target(path: Path | str) -> Path:
    """The file a write to `path` must replace: the path itself, or the end of its chain of links.

    Writing through a link keeps the link (and the file it points to) as the user set them up; a
    dangling or looping link is refused, since what it should point to is unknown.
    """
    path = Path(path)
    if not path.is_symlink():
        return path
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(Problem(str(path), None, "is a link to a file that does not exist, so nothing was written.",
                                 "Fix or remove the link, or choose another file.")) from None
    except (RuntimeError, OSError):
        raise InputError(Problem(str(path), None, "is a link that loops back on itself, so nothing was written.",
                                 "Fix or remove the link, or choose another file.")) from None
    if target.is_dir():
        raise InputError(Problem(str(path), None, "is a link to a folder.", "Give a file name."))
    return target


def cache_folder() -> Path | None:
    """Where the tool keeps what it can rebuild (checked engine packings, parsed rule files):
    $MMN_DDX_CACHE, else the user's cache folder; None (MMN_DDX_CACHE set empty) to keep nothing."""
    root = os.environ.get("MMN_DDX_CACHE")
    if root == "":
        return None
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "mmn-ddx")
    return Path(root)


def cache_file(kind: str, digest: str) -> Path | None:
    """The cache file for one `kind` of kept work under a hex digest of what it depends on;
    None when the cache is off."""
    folder = cache_folder()
    return None if folder is None else folder / f"{kind}-{digest[:32]}.json"


def save_cache_file(path: Path, text: str) -> None:
    """Best effort, atomically: an unwritable cache only means the next process does the work again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def write_text_atomic(path: Path | str, text: str | bytes) -> None:
    """Write a file so that it is always either the old or the new version, never half of one.

    The text goes to a temporary file in the same folder (named with the writer's pid, so a
    later run can tell a leftover from a live write), is flushed to disk, and replaces the target
    with os.replace (atomic on POSIX and Windows); an existing file keeps its permissions. A
    symbolic link is written through: the file it points to is replaced, the link stays.
    """
    write_files_atomic({Path(path): text})


def write_files_atomic(texts: dict[Path, str | bytes]) -> None:
    """Write several files, each as write_text_atomic does, so that a failure part way (a full
    disk, a folder where a file should go) changes none of them: every text is on disk beside
    its target before the first target is replaced."""
    staged: list[tuple[str, Path, Path]] = []
    try:
        for path, text in texts.items():
            staged.append(_stage(Path(path), text))
    except BaseException:
        for tmp, _, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for number, (tmp, target, path) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as error:
            for later, _, _ in staged[number:]:
                with contextlib.suppress(OSError):
                    os.unlink(later)
            raise _cannot_write(path, error) from None
    if hasattr(os, "O_DIRECTORY"):  # make the renames themselves durable (POSIX)
        for parent in dict.fromkeys(target.parent for _, target, _ in staged):
            with contextlib.suppress(OSError):
                folder = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)


def _stage(path: Path, text: str | bytes) -> tuple[str, Path, Path]:
    """The text in a temporary file beside the file it will replace: (temporary, target, path)."""
    target = real_target(path)
    if target.is_dir():
        raise InputError(Problem(str(path), None, "is a folder, so nothing was written.", "Give a file name, or remove the folder."))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{_temp_prefix(target)}{os.getpid()}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        binary = isinstance(text, bytes)  # e.g. an Anki deck
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from None
        raise
    return tmp, target, path


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def remove_stale_temp_files(path: Path | str) -> list[Path]:
    """Delete the temporary files a killed writer of `path` left behind (their pid is gone).

    Call it while holding the file's lock, so no live writer of this file is mid-write.
    """
    target = real_target(path)
    prefix = _temp_prefix(target)
    # mkstemp adds eight characters of [a-z0-9_]; ours carry the writer's pid before them, older
    # ones do not. Anything else (another file's temporary, '.ada.json.5.json.…') is not ours.
    pattern = re.compile(re.escape(prefix) + r"(?:(\d+)\.)?[a-z0-9_]{8}\.tmp$")
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        pid = match.group(1)
        try:
            stale = (not _alive(int(pid))) if pid else time.time() - entry.stat().st_mtime > STALE_TEMP_SECONDS
        except OSError:
            continue
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_new_file(path: Path | str, text: str | bytes, force: bool = False) -> None:
    """Write an output the user asked for (a key, a generated quiz, a CSV), refusing to replace an
    existing file unless `force`: it may be a results file or a quiz somebody wrote by hand."""
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(str(path), None, "is a folder.", "Give a file name."))
    if path.exists() and not force:
        raise InputError(Problem(str(path), None, "already exists and will not be overwritten.",
                                 "Add --force to replace it, or choose another file."))
    write_text_atomic(path, text)


# ----------------------------------------------------------------------------- one writer per file
class FileLock:
    """An exclusive lock on a file for as long as a run writes it: a sidecar `.NAME.lock` beside it.

    With fcntl (POSIX) the lock is `flock` on the sidecar, which the system releases when the
    holder dies however it dies, so a stale lock is simply taken over; the sidecar holds the
    holder's pid, host and start time so that a refusal can name it. Without fcntl the sidecar is
    created with O_EXCL and a sidecar whose pid is gone is taken over.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        target = real_target(self.path)
        self.lock_path = target.parent / f".{target.name}.lock"
        self._fd: int | None = None
        self._finalizer = None

    def acquire(self) -> "FileLock":
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _cannot_write(self.path, error) from None
        for _ in range(20):  # the sidecar may be removed by a releasing holder between open and lock
            fd = self._try_lock()
            if fd is not None:
                break
        else:
            raise self._refusal("another mmn-ddx run")
        note = f"pid {os.getpid()} on {socket.gethostname()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n"
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, note.encode("utf-8"))
        self._fd = fd
        self._finalizer = weakref.finalize(self, _release, fd, str(self.lock_path))
        return self

    def _try_lock(self) -> int | None:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        if fcntl is None:
            return self._try_exclusive()
        try:
            fd = os.open(self.lock_path, flags, 0o644)
        except OSError as error:
            raise _cannot_write(self.path, error) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise self._refusal(holder) from None
        try:
            same = os.stat(self.lock_path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed this sidecar as we locked it: lock the new one
            os.close(fd)
            return None
        return fd

    def _try_exclusive(self) -> int | None:
        try:
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _holder_text(self.lock_path)
            pid = re.match(r"pid (\d+)", holder)
            if pid and not _alive(int(pid.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(self.lock_path)  # its owner is gone: take it over
                return None
            raise self._refusal(holder or "another mmn-ddx run") from None
        except OSError as error:
            raise _cannot_write(self.path, error) from None

    def _refusal(self, holder: str) -> InputError:
        return InputError(Problem(str(self.path), None,
                                  f"is being written by another mmn-ddx run ({holder.strip() or 'unknown process'}), "
                                  "so this one will not touch it.",
                                  "Finish or stop that run first (Ctrl-C there), then carry on with --resume. "
                                  "The file was left untouched."))

    def release(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._fd = None

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace")
    return ""


def _holder_text(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8", errors="replace")[:200]
    return ""


def _release(fd: int, lock_path: str) -> None:
    # Remove the sidecar while still holding the lock (a waiting run re-checks the inode), then unlock.
    with contextlib.suppress(OSError):
        os.unlink(lock_path)
    with contextlib.suppress(OSError):
        os.close(fd)
