"""test_python_guide.py: the examples of libvirt's Python guide, chapter "Storage Pools"
(guide_storage_pools.py), run with only the URI changed against vstord and against Debian's
libvirtd 9.0.0 as the reference: both transcripts must be equal, line for line."""
import pathlib
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SCRIPT = HERE / "guide_storage_pools.py"
REF = HERE.parents[1].parent / "shared" / "scripts" / "libvirtd-ref"

pytest.importorskip("libvirt")


def run_guide(uri, work):
    work.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(["/usr/bin/python3", str(SCRIPT), uri, str(work)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, f"guide script failed against {uri}:\n{out.stdout}\n{out.stderr}"
    return out.stdout.splitlines()


@pytest.fixture(scope="module")
def reference_transcript(tmp_path_factory):
    if not REF.exists():
        pytest.skip(f"no libvirtd reference script at {REF}")
    base = tmp_path_factory.mktemp("libvirtd")
    start = subprocess.run([str(REF), "start", str(base / "ref")], capture_output=True, text=True,
                           timeout=300, check=False)
    if start.returncode != 0:
        pytest.skip(f"libvirtd reference did not start: {start.stderr.strip()}")
    try:
        return run_guide(start.stdout.strip(), base / "work")
    finally:
        subprocess.run([str(REF), "stop", str(base / "ref")], check=False, timeout=60)


def test_guide_runs_against_vstord(start_vstord, tmp_path):
    d = start_vstord(tmp_path / "root")
    lines = run_guide(d.uri, tmp_path / "work")
    assert lines[-1] == "done"
    # The walk-through really did something: a clone carried the data, a wipe cleared it.
    assert "clone head: b'guide data\\n'" in lines
    assert "wiped head zero: True" in lines


def test_guide_transcript_equals_libvirtd(start_vstord, tmp_path, reference_transcript):
    d = start_vstord(tmp_path / "root")
    lines = run_guide(d.uri, tmp_path / "work")
    assert lines == reference_transcript
