"""Shared pytest set-up: markers and the location of the shared data snapshots."""

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long-running integration tests (not in CI by default)")
    config.addinivalue_line("markers", "browser: widget tests in headless Chromium")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    "The shared data folder; tests that need it are skipped when it is absent."
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not found at {DATA_DIR}")
    return DATA_DIR
