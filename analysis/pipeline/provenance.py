"""Provenance of an analysis run: versions, hashes, seed, options, and whether data are synthetic.

Everything here is deterministic for a given input and environment (no time stamps, no host
names, no absolute paths), so ``provenance.json`` is byte-identical between reruns.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.criteria import Criteria
from lospw.analysis.core.key import Key

__all__ = ["PACKAGES", "detect_synthetic", "provenance"]

#: Packages whose versions can change a result.
PACKAGES = ("lospw", "numpy", "scipy", "pandas", "pyyaml", "openpyxl", "pyreadstat")
_README = ("README.md", "README.txt", "README", "readme.md")
_METADATA = ("metadata.yaml", "metadata.yml", "metadata.json", "population.yaml")
_WORD = re.compile(r"\bsynthetic\b", re.IGNORECASE)
_FLAG = re.compile(r'^\s*"?synthetic"?\s*:\s*(true|yes)\b', re.IGNORECASE | re.MULTILINE)


def detect_synthetic(data: str | Path, override: bool | None = None) -> tuple[bool, str]:
    """Are the data synthetic? Returns the answer and the evidence (one line).

    ``override`` (the ``--synthetic`` / ``--no-synthetic`` option) wins. Otherwise the data
    are synthetic when a metadata file beside them (``metadata.yaml|json``,
    ``population.yaml``) says ``synthetic: true``, or a README beside them uses the word
    "synthetic".

    Examples
    --------
    >>> detect_synthetic("no/such/file.csv", True)
    (True, 'the --synthetic option')
    """
    if override is not None:
        return bool(override), ("the --synthetic option" if override
                                else "the --no-synthetic option")
    folder = Path(data).parent
    for name in _METADATA:
        p = folder / name
        if p.is_file() and _FLAG.search(p.read_text(encoding="utf-8", errors="replace")):
            return True, f"{name} beside the data says synthetic: true"
    for name in _README:
        p = folder / name
        if p.is_file() and _WORD.search(p.read_text(encoding="utf-8", errors="replace")):
            return True, f"{name} beside the data calls them synthetic"
    return False, "no README or metadata beside the data says synthetic"


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def provenance(options: Any, key: Key, criteria: Criteria, synthetic: bool,
               evidence: str) -> dict[str, Any]:
    """The content of ``provenance.json``."""
    data = Path(options.data)
    key_file = Path(options.key)
    return {
        "synthetic": synthetic,
        "synthetic_evidence": evidence,
        "data": {"file": data.name, "sha256": sha256_file(data)},
        "key": {"file": key_file.name, "instrument": key.instrument, "version": key.version,
                "sha256_file": sha256_file(key_file), "sha256_content": key.sha256(),
                "n_scales": len(key.scales), "n_items": key.n_items},
        "criteria": {"source": (Path(options.criteria).name if options.criteria
                                else "default (analysis/data/criteria.yaml)"),
                     "name": criteria.name, "sha256_content": criteria.sha256()},
        "seed": options.seed,
        "estimator": options.estimator,
        "options": options.to_dict(),
        "python": platform.python_version(),
        "packages": {p: _version(p) for p in PACKAGES},
    }
