"""conftest.py: what the integration tests share — the repository root, the build directory
(env VSTOR_BUILD_DIR, default <repo>/build) and run(), which runs a command and keeps bytes."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


@pytest.fixture(scope="session")
def build_dir():
    return pathlib.Path(os.environ.get("VSTOR_BUILD_DIR", ROOT / "build"))


def _run(cmd, env=None, timeout=60):
    """Runs argv list @cmd; returns the CompletedProcess with stdout/stderr as bytes."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, env=env,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def run():
    return _run
