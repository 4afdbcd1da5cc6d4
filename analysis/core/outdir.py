"""Where a command's output goes: locked, built aside, swapped in whole, never over user files.

Every command with ``-o`` writes through this module.

**An output folder** (``lospw analyze``, ``intake``, ``delphi``, ``plan``, ``simulate
delphi``, the profile charts of ``score --by``) is written with :func:`output_folder`:

1. The path is checked before anything is written: not a symbolic link (dangling or not),
   not a file, not under a file, not the working directory, in a folder that can be written;
   no input of the run lies inside it.
2. A lock (``.<name>.lospw-lock`` beside the folder, held with ``flock``) keeps a second run
   into the same folder out: it stops with one line instead of mixing its files with the
   first's. The kernel releases the lock when a run dies, so no stale lock is left behind.
3. An existing folder is replaced only if it is empty or holds lospw's output of the same
   command and nothing else: the files listed in its record (:data:`RECORD`), each with the
   SHA-256 it was written with. A folder with any other file (a ``manifest.json`` lospw did
   not write, a file edited since, a symbolic link, a stage folder that is a link) is refused
   in one line and left as it was: lospw never deletes what it did not write.
4. The run writes into a new hidden sibling folder (``.<name>.lospw-tmp-<random>``), which
   on success gets the record (written last) and replaces the target in one step (Linux
   ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, during which the target is briefly
   absent, never half-written). Only then are the previous run's listed files removed. An
   error or an interrupt (Ctrl-C) removes the sibling and leaves the previous output as it
   was: a reader sees the old complete output or the new complete output, never a mixture.

**Output files** (``scheme``, ``score``, ``bank export``, ``bank key``, ``simulate
fieldtest`` and ``population``) are checked the same way with :func:`output_files` (not a
link, not a folder, not under a file, not an input of the run) and locked. A file the user
named may be overwritten; a file a command writes *beside* it (``score``'s
``<stem>_by_<col>.csv``, a ``.truth.json``, ``population.yaml`` in a given folder) only
when lospw's record of that folder (:data:`FILES_RECORD`, ``.lospw-files.json``) lists it
with the SHA-256 it was written with - otherwise the run is refused in one line before
anything is written. The files are built aside in a hidden sibling folder and renamed into
place only when the whole command has succeeded, so a refused or failed run writes nothing.

Problems with the output path are :class:`~lospw.analysis.core.errors.InputError` (one line, exit
status 2 on the command line).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fnmatch
import glob
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from lospw.analysis.core.artifacts import sha256_file, write_json
from lospw.analysis.core.errors import InputError

__all__ = ["FILES_RECORD", "RECORD", "RECORD_FORMAT", "legacy_layout", "output_files",
           "output_folder", "owned_files"]

log = logging.getLogger(__name__)

#: The record of an output folder: which command wrote it and every file with its SHA-256.
RECORD = ".lospw-output.json"
RECORD_FORMAT = "lospw-output/1"
_LOCK = ".lospw-lock"
_TMP = ".lospw-tmp-"
# Files an operating system's file browser drops into any folder it shows.
_OS_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})

#: ``legacy(folder)`` -> which relative paths an older lospw wrote there (None: not its folder).
Legacy = Callable[[Path], Callable[[str], bool] | None]


def _shown(path: Path | str) -> str:
    return Path(path).as_posix()


def _near(path: Path, shown: str) -> str:
    """``path`` (absolute) as the user would write it: relative when ``shown`` is."""
    if Path(shown).is_absolute():
        return path.as_posix()
    return Path(os.path.relpath(path)).as_posix()


def _absolute(path: str | Path) -> Path:
    """The absolute path (``..`` and ``.`` resolved by name, the last part not followed)."""
    return Path(os.path.abspath(os.fspath(path)))


# -- checks of the path ------------------------------------------------------------------------
def _check_path(path: Path, shown: str, *, folder: bool) -> None:
    """Refuse a link, a path of the wrong kind, a path under a file or in a read-only place."""
    what = "folder" if folder else "file"
    if path.is_symlink():
        state = "a dangling symbolic link" if not path.exists() else "a symbolic link"
        raise InputError(f"The output {what} {shown} is {state}; lospw does not write through "
                         f"links. Give the real path, or a new {what}.")
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"The output {shown} is a file; give a folder.")
    if not folder and path.is_dir():
        raise InputError(f"The output {shown} is a folder; give a file name.")
    above = path.parent
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(f"The output {shown} lies under {_near(above, shown)}, which is "
                         f"{'a broken link' if above.is_symlink() else 'a file'}, not a folder. "
                         f"Give a {what} path whose parents are folders.")
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputError(f"Cannot write the output {shown}: the folder {_near(above, shown)} is "
                         "read-only (no write permission or a read-only file system). Choose "
                         "another place.")
    if folder:
        cwd = _absolute(os.getcwd())
        if path == cwd or path in cwd.parents:
            raise InputError(f"The output folder {shown} is the working folder or contains it; "
                             "lospw replaces its output folder as a whole. Give a subfolder, "
                             "e.g. -o results.")
        if path.is_dir() and os.path.ismount(path):
            raise InputError(f"The output folder {shown} is a mount point, which cannot be "
                             "replaced; give a folder inside it.")


def _check_inputs(path: Path, shown: str, inputs: Iterable[str | Path | None], *,
                  folder: bool) -> None:
    """Refuse when writing ``path`` would overwrite or remove an input of the run."""
    real = path.parent.resolve() / path.name
    for given in inputs:
        if given is None or not os.path.lexists(given):
            continue
        inp = Path(given).resolve()
        if inp == real or (folder and inp.is_relative_to(real)):
            where = "lies in the output folder" if folder else "is the output file"
            kind = "folder" if folder else "file"
            raise InputError(f"The input {_shown(given)} {where} {shown}, which this run "
                             "replaces; lospw never overwrites an input. Copy the input "
                             f"elsewhere or choose another output {kind}.")
        if inp.is_dir() and real.is_relative_to(inp) and os.path.lexists(real):
            raise InputError(f"The output {shown} already exists in the input folder "
                             f"{_shown(given)}; lospw never replaces part of an input. Choose "
                             "a new name or another place.")


# -- the lock ----------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(parent: Path, name: str, shown: str) -> Iterator[None]:
    """Hold ``parent/.<name>.lospw-lock`` (flock) or refuse: another run writes ``shown``."""
    lock = parent / f".{name}{_LOCK}"
    fd = _acquire(lock, shown)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)   # while still holding it: the next run makes a fresh one
        os.close(fd)


def _acquire(lock: Path, shown: str) -> int:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): an exclusive create instead
        return _acquire_exclusive(lock, shown)
    for _ in range(20):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise InputError(f"Cannot write the output {shown}: cannot create the lock "
                             f"{_near(lock, shown)} ({exc.strerror}). Choose another "
                             "place.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise InputError(f"Another lospw run{holder} is writing {shown} (lock "
                             f"{_near(lock, shown)}); wait until it has finished, or choose "
                             "another output.") from None
        try:  # the previous holder may have removed the file we opened: lock a fresh one
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
        except OSError:
            pass
        os.close(fd)
    raise InputError(f"Cannot lock the output {shown}: other runs keep replacing "
                     f"{_near(lock, shown)}; wait until they have finished.")


def _acquire_exclusive(lock: Path, shown: str) -> int:
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise InputError(f"Another lospw run is writing {shown} (lock {_near(lock, shown)}); wait "
                         "until it has finished, or remove the lock if no run is going.") from None
    except OSError as exc:
        raise InputError(f"Cannot write the output {shown}: cannot create the lock "
                         f"{_near(lock, shown)} ({exc.strerror}). Choose another "
                         "place.") from None
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip())
        return f" (process {pid})"
    return ""


# -- what an existing folder holds -----------------------------------------------------------
def _walk(root: Path, rel: str = "") -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry under ``root`` (not following links), with its path relative to root."""
    with os.scandir(root / rel if rel else root) as it:
        for entry in sorted(it, key=lambda e: e.name):
            path = f"{rel}/{entry.name}" if rel else entry.name
            yield path, entry
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(root, path)


def _load_record(p: Path, fmt: object) -> dict | None:
    """The lospw record at ``p`` in format ``fmt`` (None: absent, a link, unreadable or not
    lospw's)."""
    if p.is_symlink() or not p.is_file():
        return None
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(rec, dict) and rec.get("format") == fmt
          and rec.get("tool") == "lospw" and isinstance(rec.get("files"), dict))
    return rec if ok else None


def _read_record(folder: Path) -> dict | None:
    return _load_record(folder / RECORD, RECORD_FORMAT)


def owned_files(folder: str | Path, command: str, legacy: Legacy | None = None,
                shown: str | None = None) -> list[str]:
    """The files of ``folder`` that lospw ``command`` wrote; refuse if it holds anything else.

    Parameters
    ----------
    folder : path
        An existing output folder.
    command : str
        The command about to replace it, e.g. ``"analyze"``.
    legacy : callable, optional
        For folders written before lospw kept a :data:`RECORD`: ``legacy(folder)`` returns
        a test of relative paths the older version wrote there, or None.
    shown : str, optional
        The folder as the user gave it (for messages).

    Returns
    -------
    list of str
        Relative paths of the files (and the record) to remove after the replacement.

    Raises
    ------
    InputError
        The folder holds a symbolic link, a file lospw did not write or one changed since
        (compared by SHA-256 with the record), the output of another command, or a folder it
        cannot change.
    """
    folder = Path(folder)
    shown = shown or _shown(folder)
    rec = _read_record(folder)
    hashes: dict[str, str | None] = {}
    if rec is not None:
        if rec.get("command") != command:
            raise InputError(f"The output folder {shown} holds the output of lospw "
                             f"{rec.get('command')}, not of lospw {command}; give another "
                             "folder (lospw does not replace one command's output with "
                             "another's).")
        hashes = {str(k): v for k, v in rec["files"].items()}
        ours: Callable[[str], bool] | None = hashes.__contains__
    else:
        ours = legacy(folder) if legacy is not None else None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"The output folder {shown} is read-only, so the previous output cannot "
                         "be replaced; nothing was changed. Make it writable or choose another "
                         "output folder.")
    try:
        entries = list(_walk(folder))
    except OSError as exc:
        raise InputError(f"Cannot read the output folder {shown} ({exc.strerror}); give "
                         "another folder.") from None
    foreign: list[str] = []
    owned: list[str] = []
    for rel, entry in entries:
        if entry.is_symlink():
            raise InputError(f"{shown}/{rel} is a symbolic link, which lospw never writes, so "
                             f"{shown} is not (only) lospw's output; nothing was changed. Remove "
                             "the link or choose another output folder.")
        if entry.is_dir(follow_symlinks=False):
            if not os.access(entry.path, os.W_OK | os.X_OK):
                raise InputError(f"{shown}/{rel} is read-only, so the previous output cannot be "
                                 "replaced; nothing was changed. Make it writable or choose "
                                 "another output folder.")
            continue
        if rec is not None and rel == RECORD:
            owned.append(rel)
        elif entry.name in _OS_FILES and entry.is_file(follow_symlinks=False):
            owned.append(rel)
        elif (ours is not None and entry.is_file(follow_symlinks=False) and ours(rel)
              and _unchanged(Path(entry.path), hashes.get(rel))):
            owned.append(rel)
        else:
            foreign.append(rel)
    if foreign:
        listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                           if len(foreign) > 3 else "")
        why = (f"holds files that lospw {command} did not write or that were changed "
               f"since ({listed})" if ours is not None else
               f"is not empty and was not written by lospw {command} (it holds {listed} "
               f"and no {RECORD})")
        raise InputError(f"The output folder {shown} {why}; lospw never deletes what it did not "
                         "write, so nothing was changed. Move those files, or give a new or "
                         "empty folder.")
    return owned


def _unchanged(path: Path, sha: str | None) -> bool:
    return sha is None or sha256_file(path) == sha


def legacy_layout(marker: str, patterns: Sequence[str], keys: Sequence[str] = ()) -> Legacy:
    """A ``legacy`` test for folders of an older lospw, recognised by a ``marker`` file.

    The folder is taken as the older version's output when ``marker`` is a file there
    (with ``keys``: a JSON object holding those keys); then the relative paths matching
    ``patterns`` (shell patterns; ``*`` also matches ``/``) are its files.

    Examples
    --------
    >>> legacy = legacy_layout("plan.json", ["plan*"], keys=["recommended"])
    >>> legacy(Path("/no/such/folder")) is None
    True
    """
    def legacy(folder: Path) -> Callable[[str], bool] | None:
        p = folder / marker
        if p.is_symlink() or not p.is_file():
            return None
        if keys:
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            if not isinstance(data, dict) or not all(k in data for k in keys):
                return None
        return lambda rel: any(fnmatch.fnmatchcase(rel, pat) for pat in patterns)
    return legacy


# -- replacing a folder --------------------------------------------------------------------------
def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), os.fsdecode(b))


def _replace(new: Path, target: Path) -> Path | None:
    """Put ``new`` at ``target``; returns where the previous folder now is (or None)."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return None
    if _exchange(new, target):
        return new
    old = target.with_name(f".{target.name}{_TMP}{secrets.token_hex(4)}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    return old


def _discard(old: Path, owned: Sequence[str]) -> None:
    """Remove the listed files of the previous output, then its empty folders."""
    for rel in owned:
        p = old / rel
        if p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()
    for folder in sorted({p for p in old.rglob("*") if p.is_dir() and not p.is_symlink()},
                         key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        old.rmdir()
    if os.path.lexists(old):
        kept = old.with_name(old.name.replace(_TMP, ".lospw-kept-").lstrip("."))
        with contextlib.suppress(OSError):
            os.rename(old, kept)
            old = kept
        log.warning("files added to the previous output during the run were kept in %s", old)


def _clean_stale(parent: Path, name: str) -> None:
    """Remove temporary folders of earlier runs that were killed before they finished.

    Called while holding the lock, so no other run is using them. A folder with a record
    is left alone (it may be a replaced output whose clean-up was cut short).
    """
    with contextlib.suppress(OSError):
        for p in parent.glob(f".{glob.escape(name)}{_TMP}*"):
            if p.is_dir() and not p.is_symlink() and _read_record(p) is None:
                shutil.rmtree(p, ignore_errors=True)


def _record(folder: Path, command: str) -> dict:
    files = {rel: sha256_file(Path(e.path)) for rel, e in _walk(folder)
             if e.is_file(follow_symlinks=False)}
    return {"format": RECORD_FORMAT, "tool": "lospw", "command": command, "files": files}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM (delivered afterwards) while the folders are swapped."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _os_error(exc: OSError, shown: str) -> InputError:
    return InputError(f"Cannot write the output {shown}: {exc.strerror or exc}. Check the "
                      "path and its permissions, or choose another place.")


@contextlib.contextmanager
def output_folder(target: str | Path, *, command: str,
                  inputs: Iterable[str | Path | None] = (),
                  legacy: Legacy | None = None) -> Iterator[Path]:
    """Write a command's output folder safely (see the module docstring).

    Yields the temporary folder to write into; on leaving the ``with`` block without an
    error it replaces ``target`` in one step. An error or interrupt leaves ``target`` as it
    was.

    Parameters
    ----------
    target : path
        The output folder (``-o``): new, empty, or an earlier output of ``command``.
    command : str
        Recorded in :data:`RECORD`; a folder of another command is not replaced.
    inputs : paths
        The run's input files and folders; none may lie in ``target``.
    legacy : callable, optional
        See :func:`owned_files`.

    Raises
    ------
    InputError
        A problem with the output path (see :func:`owned_files` and the module docstring),
        or another run writing the same folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with output_folder(Path(d) / "out", command="demo") as tmp:
    ...         _ = (tmp / "a.txt").write_text("a")
    ...     sorted(p.name for p in (Path(d) / "out").iterdir())
    ['.lospw-output.json', 'a.txt']
    """
    shown = _shown(target)
    path = _absolute(target)
    _check_path(path, shown, folder=True)
    _check_inputs(path, shown, inputs, folder=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        parent = path.parent.resolve()
    except OSError as exc:
        raise _os_error(exc, shown) from None
    path = parent / path.name
    with _locked(parent, path.name, shown):
        owned = owned_files(path, command, legacy, shown) if path.is_dir() else []
        _clean_stale(parent, path.name)
        tmp = parent / f".{path.name}{_TMP}{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp)
            if path.is_dir():
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError as exc:
            raise _os_error(exc, shown) from None
        replaced = False
        try:
            yield tmp
            write_json(_record(tmp, command), tmp / RECORD)
            with _signals_held():
                try:
                    old = _replace(tmp, path)
                except OSError as exc:
                    raise _os_error(exc, shown) from None
                replaced = True
                if old is not None:
                    _discard(old, owned)
        finally:
            if not replaced:  # an error or an interrupt: the previous output stays
                shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def output_files(paths: Sequence[str | Path], *,
                 inputs: Iterable[str | Path | None] = (),
                 unnamed: Sequence[str | Path] = (),
                 command: str = "") -> Iterator[Callable[[str | Path], Path]]:
    """Check and lock the output files of a command; stage them and move them in together.

    ``paths`` are the files the user named (``-o``): they may be overwritten. ``unnamed``
    are the files a command writes beside them (``score``'s ``<stem>_by_<col>.csv``, the
    ``.truth.json`` of ``simulate fieldtest``, the files of ``simulate population``'s
    folder): an existing one is overwritten only if lospw's record of that folder
    (:data:`FILES_RECORD`) lists it with the SHA-256 it was written with; anything else is
    refused in one line before anything is written.

    Yields ``staged(path) -> Path``, the place to write ``path`` to: a hidden sibling folder
    (``.<name>.lospw-tmp-<random>``). On leaving the block without an error every staged
    file is renamed over its target and recorded; an error or an interrupt removes the
    staged files, so a refused or failed run writes nothing. A caller may also write the
    named files directly (:func:`lospw.analysis.core.artifacts.write_text` writes a
    temporary file and renames it, so a reader never sees a half-written file and a link at
    the path is replaced, never followed).

    Raises
    ------
    InputError
        A path is a link, a folder, under a file, in a read-only place or an input of the
        run; an unnamed file exists that lospw did not write; or another run is writing the
        first file.
    """
    inputs = list(inputs)
    checked: list[tuple[Path, str]] = []
    for given in [*paths, *unnamed]:
        shown = _shown(given)
        path = _absolute(given)
        _check_path(path, shown, folder=False)
        _check_inputs(path, shown, inputs, folder=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(exc, shown) from None
        checked.append((path.parent.resolve() / path.name, shown))
    if not checked:
        yield _absolute
        return
    with _locked(checked[0][0].parent, checked[0][0].name, checked[0][1]):
        for path, shown in checked[len(paths):]:
            _check_unnamed(path, shown)
        for parent in {p.parent for p, _ in checked}:
            _clean_stale(parent, checked[0][0].name)
        stages: dict[Path, Path] = {}
        targets = {_absolute(g): path for g, (path, _) in zip([*paths, *unnamed], checked,
                                                             strict=True)}

        def staged(given: str | Path) -> Path:
            target = targets.get(_absolute(given))
            if target is None:   # not an output of this run: written where it is
                return _absolute(given)
            if target.parent not in stages:
                stage = target.parent / f".{checked[0][0].name}{_TMP}{secrets.token_hex(4)}"
                try:
                    os.mkdir(stage)
                except OSError as exc:
                    raise _os_error(exc, _shown(given)) from None
                stages[target.parent] = stage
            return stages[target.parent] / target.name

        try:
            yield staged
            with _signals_held():
                _move_in(stages, [p for p, _ in checked], command)
        finally:
            for stage in stages.values():
                shutil.rmtree(stage, ignore_errors=True)


# -- files beside a named output ---------------------------------------------------------------
#: lospw's record of the files it wrote into a folder beside a named output.
FILES_RECORD = ".lospw-files.json"
FILES_RECORD_FORMAT = "lospw-files/1"


def _files_record(folder: Path) -> dict | None:
    """The record of ``folder`` (None: absent, unreadable or not lospw's)."""
    return _load_record(folder / FILES_RECORD, FILES_RECORD_FORMAT)


def _check_unnamed(path: Path, shown: str) -> None:
    """Refuse an existing file the user did not name unless lospw's record lists it."""
    if not os.path.lexists(path):
        return
    entry = ((_files_record(path.parent) or {}).get("files") or {}).get(path.name)
    sha = entry.get("sha256") if isinstance(entry, dict) else None
    if path.is_symlink() or not path.is_file() or not sha or not _unchanged(path, sha):
        raise InputError(
            f"The file {shown} exists and was not written by lospw (or was changed since); "
            "it belongs to the output, but lospw never overwrites a file you "
            "did not name, so nothing was written. Move or rename it, or choose another "
            "output name (-o).")


def _move_in(stages: dict[Path, Path], targets: Sequence[Path], command: str) -> None:
    """Rename every staged file over its target; record them in their folder."""
    for folder in stages:
        stage = stages[folder]
        moved = {}
        for target in targets:
            if target.parent != folder or not (stage / target.name).is_file():
                continue
            sha = sha256_file(stage / target.name)
            os.replace(stage / target.name, target)
            moved[target.name] = {"sha256": sha, "command": command}
        record_path = folder / FILES_RECORD
        rec = _files_record(folder)
        if rec is None and os.path.lexists(record_path):
            continue   # a file of that name lospw did not write: left alone
        files = dict((rec or {}).get("files", {}))
        files.update(moved)
        with contextlib.suppress(OSError):
            write_json({"format": FILES_RECORD_FORMAT, "tool": "lospw",
                        "files": dict(sorted(files.items()))}, record_path)
