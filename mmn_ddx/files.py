"""Writing files the user keeps: atomically, and never over something they did not mean to lose."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mmn_ddx.errors import InputError, Problem


def _cannot_write(path: Path, error: OSError) -> InputError:
    if isinstance(error, (FileExistsError, NotADirectoryError)) and not path.parent.is_dir():
        return InputError(Problem(str(path), None, f"cannot be written: '{path.parent}' is a file, not a folder.",
                                  "Choose a path inside a folder."))
    return InputError(Problem(str(path), None, f"cannot be written ({error.strerror or error}).",
                              "Check that the folder exists, that you may write there, and the disk space."))


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write a file so that it is always either the old or the new version, never half of one.

    The text goes to a temporary file in the same folder, is flushed to disk, and replaces the
    target with os.replace (atomic on POSIX and Windows); an existing file keeps its permissions.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from None
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)




def write_new_file(path: Path | str, text: str, force: bool = False) -> None:
    """Write an output the user asked for (a key, a generated quiz, a CSV), refusing to replace an
    existing file unless `force`: it may be a results file or a quiz somebody wrote by hand."""
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(str(path), None, "is a folder.", "Give a file name."))
    if path.exists() and not force:
        raise InputError(Problem(str(path), None, "already exists and will not be overwritten.",
                                 "Add --force to replace it, or choose another file."))
    write_text_atomic(path, text)
