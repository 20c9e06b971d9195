"""Every path and setting of CollectLens, in one place.

Settings come from environment variables (documented in README.md) so the same code runs on a
laptop, in CI and on a server. Nothing else in the project builds a path or reads os.environ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = DATA_DIR / "models"
OUTPUTS_DIR = DATA_DIR / "outputs"
DEFAULT_DB_PATH = DATA_DIR / "portfolio.duckdb"
PRESETS_DIR = Path(__file__).resolve().parent / "strategy" / "presets"
REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference"

# The sample the app builds on first start when there is no data yet.
DEFAULT_SAMPLE_LOANS = 50_000
DEFAULT_SAMPLE_SEED = 7
DEFAULT_SAMPLE_MARKET = "cn"


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


def settings() -> Settings:
    db = os.environ.get("COLLECTLENS_DB")
    return Settings(
        db_path=Path(db).expanduser() if db else DEFAULT_DB_PATH,
        backend_url=os.environ.get("COLLECTLENS_BACKEND") or None,
        sample_loans=int(os.environ.get("COLLECTLENS_SAMPLE_LOANS", DEFAULT_SAMPLE_LOANS)),
        sample_market=os.environ.get("COLLECTLENS_SAMPLE_MARKET", DEFAULT_SAMPLE_MARKET),
        reject_threshold=float(os.environ.get("COLLECTLENS_REJECT_THRESHOLD", "0.05")),
        models_dir=Path(os.environ["COLLECTLENS_MODELS_DIR"]).expanduser()
        if os.environ.get("COLLECTLENS_MODELS_DIR") else MODELS_DIR,
        train_threads=int(os.environ["COLLECTLENS_TRAIN_THREADS"]) if os.environ.get("COLLECTLENS_TRAIN_THREADS")
        else None,
    )
