"""Every path and setting of CollectLens, in one place.

Settings come from environment variables (documented in README.md) so the same code runs on a
laptop, in CI and on a server. Nothing else in the project builds a path or reads os.environ.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = DATA_DIR / "models"
OUTPUTS_DIR = DATA_DIR / "outputs"
DEFAULT_DB_PATH = DATA_DIR / "portfolio.duckdb"
PRESETS_DIR = Path(__file__).resolve().parent / "strategy" / "presets"
DEFAULT_STRATEGIES_DIR = DATA_DIR / "strategies"  # strategies users save from the Strategy page
# Saved column mappings (Data page and --mapping); uploads wait here until they are imported.
MAPPINGS_DIR = DATA_DIR / "mappings"
UPLOADS_DIR = Path(tempfile.gettempdir()) / "collectlens-uploads"


def shared_dir() -> Path:
    """The team's shared folder (reference figures, real sample filings): COLLECTLENS_SHARED_DIR,
    else ``shared`` beside the clone (as in CI). Resolved when asked, never probed at import."""
    override = os.environ.get("COLLECTLENS_SHARED_DIR")
    return Path(override).expanduser() if override else PROJECT_ROOT.parent / "shared"


def reference_dir() -> Path:
    return shared_dir() / "reference"


def samples_dir() -> Path:
    return shared_dir() / "samples"


def regab2_samples_dir() -> Path:
    """Two consecutive monthly Reg AB II filings (excerpts) of one real deal: the importer's fixture."""
    return samples_dir() / "regab2"


# The folders above under their older constant names, resolved on each access (PEP 562).
_LAZY_PATHS = {"SHARED_DIR": shared_dir, "REFERENCE_DIR": reference_dir, "SAMPLES_DIR": samples_dir,
               "REGAB2_SAMPLES_DIR": regab2_samples_dir}


def __getattr__(name: str) -> Path:
    if name in _LAZY_PATHS:
        return _LAZY_PATHS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



def regab2_csv_samples_dir() -> Path:
    """Reg AB II tapes in CSV as third parties republish them (one a file), when the team has placed them."""
    return samples_dir() / "regab2_csv"


_LAZY_PATHS["REGAB2_CSV_SAMPLES_DIR"] = regab2_csv_samples_dir

# Chromium renders chart images offline (kaleido) and drives the browser tests.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# The sample the app builds on first start when there is no data yet.
DEFAULT_SAMPLE_LOANS = 50_000
DEFAULT_SAMPLE_SEED = 7
DEFAULT_SAMPLE_MARKET = "cn"
# Store versions kept on disk (every load writes a new one; restore switches back to a kept one).
# Five covers a working week of daily loads; each costs one database file of disk.
DEFAULT_KEEP_VERSIONS = 5


def store_folder(db_path: Path) -> Path:
    """The versioned store behind ``db_path``: ``data/portfolio.duckdb`` -> ``data/portfolio.store/``
    (``versions/NNNN.duckdb``, the load lock); ``db_path`` itself is the pointer to the current one."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + ".store")


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`settings` so tests can change the environment."""

    db_path: Path
    backend_url: str | None
    sample_loans: int
    sample_market: str
    reject_threshold: float
    models_dir: Path
    train_threads: int | None
    strategies_dir: Path = DEFAULT_STRATEGIES_DIR
    # Folders the Data page may read server files from (COLLECTLENS_IMPORT_ROOTS, separated by
    # os.pathsep); empty: the server-folder import is off and only uploads are accepted.
    import_roots: tuple[Path, ...] = ()
    # The hash-chained audit trail (analytics/security/audit.py).
    audit_log: Path = DATA_DIR / "audit.jsonl"
    # Who has which role when sign-in is configured (analytics/security/roles.py).
    roles_file: Path = PROJECT_ROOT / ".streamlit" / "roles.toml"
    keep_versions: int = DEFAULT_KEEP_VERSIONS


def chromium_path() -> str | None:
    """The browser kaleido uses for chart images: BROWSER_PATH if set, else Debian's chromium."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit
    return next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)


def settings() -> Settings:
    db = os.environ.get("COLLECTLENS_DB")
    return Settings(
        db_path=Path(db).expanduser() if db else DEFAULT_DB_PATH,
        backend_url=os.environ.get("COLLECTLENS_BACKEND") or None,
        sample_loans=int(os.environ.get("COLLECTLENS_SAMPLE_LOANS", DEFAULT_SAMPLE_LOANS)),
        sample_market=os.environ.get("COLLECTLENS_SAMPLE_MARKET", DEFAULT_SAMPLE_MARKET),
        reject_threshold=float(os.environ.get("COLLECTLENS_REJECT_THRESHOLD", "0.05")),
        strategies_dir=Path(os.environ["COLLECTLENS_STRATEGIES_DIR"]).expanduser()
        if os.environ.get("COLLECTLENS_STRATEGIES_DIR") else DEFAULT_STRATEGIES_DIR,
        models_dir=Path(os.environ["COLLECTLENS_MODELS_DIR"]).expanduser()
        if os.environ.get("COLLECTLENS_MODELS_DIR") else MODELS_DIR,
        train_threads=int(os.environ["COLLECTLENS_TRAIN_THREADS"]) if os.environ.get("COLLECTLENS_TRAIN_THREADS")
        else None,
        import_roots=_import_roots(),
        audit_log=Path(os.environ["COLLECTLENS_AUDIT_LOG"]).expanduser() if os.environ.get("COLLECTLENS_AUDIT_LOG")
        else DATA_DIR / "audit.jsonl",
        roles_file=Path(os.environ["COLLECTLENS_ROLES"]).expanduser() if os.environ.get("COLLECTLENS_ROLES")
        else PROJECT_ROOT / ".streamlit" / "roles.toml",
        keep_versions=max(1, int(os.environ.get("COLLECTLENS_KEEP_VERSIONS", DEFAULT_KEEP_VERSIONS))),
    )


def _import_roots() -> tuple[Path, ...]:
    raw = os.environ.get("COLLECTLENS_IMPORT_ROOTS", "")
    return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())


def internal_dirs() -> tuple[Path, ...]:
    """Server folders whose paths are never shown to a web user (messages are scrubbed of them)."""
    return (UPLOADS_DIR, Path(tempfile.gettempdir()), DATA_DIR, PROJECT_ROOT)
