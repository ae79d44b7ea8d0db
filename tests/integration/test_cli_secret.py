"""test_cli_secret.py: vstor's secret-* commands against stock virsh — one sequence of secret
commands run with `virsh -c URI` and with `vstor -c URI` on one vstord must print the same
stdout and stderr (less vstor's hint lines) and exit the same, errors and the read-only socket
included; the embedded URI gives the same transcript; --json has the documented fields;
secret-event prints what virsh secret-event prints on the same daemon."""
import base64
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import stretch_cli

ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI"):
    ENV.pop(var, None)
HINT_RE = re.compile(rb"^hint: [^\n]*\n", re.M)

UUID1 = "f52a81b2-424e-490c-823d-6bd4235bc573"
UUID2 = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
UUID3 = "5c2a7e7a-1f3d-4f0e-9b6e-2f1d3c4b5a69"
UUID4 = "8e1d9a40-6c5b-4a2f-8d3e-7b6a5c4d3e21"
MISSING = "00000000-1111-2222-3333-444444444444"

CEPH_XML = """<secret ephemeral='no' private='no'>
  <uuid>{uuid}</uuid>
  <description>ceph admin</description>
  <usage type='ceph'>
    <name>client.admin secret</name>
  </usage>
</secret>
"""
PRIVATE_XML = f"""<secret ephemeral='no' private='yes'>
  <uuid>{UUID2}</uuid>
</secret>
"""
VOLUME_XML = f"""<secret ephemeral='no' private='no'>
  <uuid>{UUID3}</uuid>
  <usage type='volume'>
    <volume>/var/lib/vstor/images/enc.qcow2</volume>
  </usage>
</secret>
"""
EPHEMERAL_XML = f"""<secret ephemeral='yes' private='no'>
  <uuid>{UUID4}</uuid>
  <usage type='iscsi'>
    <target>libvirtiscsi</target>
  </usage>
</secret>
"""
# Same uuid as the private one, made non-private: a redefinition libvirt refuses.
UNPRIVATE_XML = PRIVATE_XML.replace("private='yes'", "private='no'")


def without_hints(data):
    return HINT_RE.sub(b"", data)


def vstor_bin(build_dir):
    for cand in (build_dir / "vstor", build_dir / "src" / "cli" / "vstor"):
        if cand.exists():
            return cand
    pytest.fail(f"no vstor under {build_dir}")


@pytest.fixture
def files(tmp_path):
    d = tmp_path / "files"
    d.mkdir()
    (d / "ceph.xml").write_text(CEPH_XML.format(uuid=UUID1))
    (d / "ceph-other.xml").write_text(CEPH_XML.format(uuid=MISSING))
    (d / "private.xml").write_text(PRIVATE_XML)
    (d / "unprivate.xml").write_text(UNPRIVATE_XML)
    (d / "volume.xml").write_text(VOLUME_XML)
    (d / "ephemeral.xml").write_text(EPHEMERAL_XML)
    (d / "bad.xml").write_text("<secret ephemeral='no'><uuid>nope</uuid>\n")
    (d / "badflag.xml").write_text("<secret ephemeral='maybe'/>\n")
    (d / "value.b64").write_text(base64.b64encode(b"second-canary-51d2e8").decode() + "\n")
    (d / "value.raw").write_bytes(b"plain\x00canary\xff93ab")
    (d / "big.raw").write_bytes(b"x" * 1025)
    return d


def sequence(f):
    """(connection, args, stdin): "rw" or "ro" for the socket; the steps leave no secret."""
    rw = [
        ("secret-list",),
        ("secret-define", f / "ceph.xml"),
        ("secret-define", "--file", f / "private.xml", "--validate"),
        ("secret-define", f / "volume.xml"),
        ("secret-define", f / "ephemeral.xml"),
        ("secret-define", f / "bad.xml"),
        ("secret-define", f / "badflag.xml"),
        ("secret-define", f / "missing.xml"),
        ("secret-define", f / "ceph-other.xml"),
        ("secret-define", f / "unprivate.xml"),
        ("secret-define",),
        ("secret-list",),
        ("secret-list", "--ephemeral"),
        ("secret-list", "--no-ephemeral"),
        ("secret-list", "--private"),
        ("secret-list", "--no-private"),
        ("secret-list", "--private", "--no-ephemeral"),
        ("secret-dumpxml", UUID1),
        ("secret-dumpxml", "--secret", UUID4),
        ("secret-dumpxml", MISSING),
        ("secret-dumpxml", "not-a-uuid"),
        ("secret-get-value", UUID1),
        ("secret-set-value", UUID1, base64.b64encode(b"vstor-canary-7f3a9c").decode()),
        ("secret-get-value", UUID1),
        ("secret-get-value", UUID1, "--plain"),
        ("secret-set-value", UUID1, "--file", f / "value.b64"),
        ("secret-get-value", "--secret", UUID1),
        ("secret-set-value", UUID1, "--file", f / "value.raw", "--plain"),
        ("secret-get-value", UUID1),
        ("secret-set-value", UUID1, "--file", f / "big.raw", "--plain"),
        ("secret-set-value", UUID1, "--file", f / "missing.raw"),
        ("secret-set-value", UUID1),
        ("secret-set-value", UUID1, "--file", f / "value.b64", "--base64", "eA=="),
        ("secret-set-value", UUID1, "--interactive", "--plain"),
        ("secret-set-value", UUID1, "--interactive", "--file", f / "value.b64"),
        ("secret-set-value", MISSING, "--base64", "eA=="),
        ("secret-set-value", UUID1, "--base64", ""),
        ("secret-set-value", UUID2, "--base64", "cHJpdmF0ZQ=="),
        ("secret-get-value", UUID2),
        ("secret-get-value", MISSING),
        ("secret-undefine", MISSING),
        ("secret-undefine",),
        ("secret-list", "--bogus"),
    ]
    steps = [("rw", s, None) for s in rw]
    steps.append(("rw", ("secret-set-value", UUID3, "--interactive"), b"typed value\n"))
    steps.append(("rw", ("secret-get-value", UUID3, "--plain"), None))
    ro = [
        ("secret-list",),
        ("secret-dumpxml", UUID1),
        ("secret-define", f / "ceph.xml"),
        ("secret-set-value", UUID1, "--file", f / "value.b64"),
        ("secret-get-value", UUID1),
        ("secret-undefine", UUID1),
    ]
    steps += [("ro", s, None) for s in ro]
    steps += [("rw", ("secret-undefine", u), None) for u in (UUID1, UUID2, UUID3, UUID4)]
    steps.append(("rw", ("secret-list",), None))
    steps.append(("rw", ("-q", "secret-define", f / "ceph.xml"), None))
    steps.append(("rw", ("-q", "secret-set-value", UUID1, "--file", f / "value.b64"), None))
    steps.append(("rw", ("-q", "secret-list"), None))
    steps.append(("rw", ("-q", "secret-undefine", UUID1), None))
    return steps


def transcript(tool, uris, steps, skip_ro=False):
    out = []
    for conn, args, stdin in steps:
        if conn == "ro" and skip_ro:
            continue
        glob = [a for a in args if a == "-q"]
        rest = [str(a) for a in args if a != "-q"]
        # A new session has no controlling terminal: --interactive reads stdin, as getpass().
        r = subprocess.run([str(tool), *glob, "-c", uris[conn], *rest], input=stdin or b"",
                           capture_output=True, env=ENV, timeout=60, start_new_session=True)
        out.append((conn, " ".join(rest), r.returncode, r.stdout, without_hints(r.stderr)))
    return out


def compare(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == b, f"step {a[0]} '{a[1]}':\nvstor: {a[2:]}\nvirsh: {b[2:]}"


@pytest.fixture
def daemon(start_vstord, tmp_path):
    return start_vstord(tmp_path / "root")


@pytest.mark.skipif(not shutil.which("virsh"), reason="no virsh")
def test_transcript_matches_virsh(daemon, files, build_dir):
    uris = {"rw": daemon.uri, "ro": daemon.uri_ro}
    steps = sequence(files)
    theirs = transcript("virsh", uris, steps)
    ours = transcript(vstor_bin(build_dir), uris, steps)
    compare(ours, theirs)
    # The sequence did something: errors and successes both.
    codes = [t[2] for t in theirs]
    assert 0 in codes and 1 in codes
    assert b"Passing secret value as command-line argument is insecure!" in b"".join(
        t[4] for t in ours)


@pytest.mark.skipif(not shutil.which("virsh"), reason="no virsh")
def test_embedded_transcript_matches_virsh(daemon, files, build_dir, tmp_path):
    # An embedded connection lives as long as one vstor process, and so does an ephemeral
    # secret defined through it: the next command no longer sees it. Those steps stay out.
    steps = [s for s in sequence(files)
             if not any(str(a).endswith("ephemeral.xml") or a == UUID4 for a in s[1])]
    theirs = transcript("virsh", {"rw": daemon.uri, "ro": daemon.uri_ro}, steps, skip_ro=True)
    embed = f"vstor:///embed?root={tmp_path / 'embed'}"
    ours = transcript(vstor_bin(build_dir), {"rw": embed, "ro": embed}, steps, skip_ro=True)
    compare(ours, theirs)


def run_vstor(build_dir, uri, *args):
    return subprocess.run([str(vstor_bin(build_dir)), "-c", uri, *[str(a) for a in args]],
                          capture_output=True, env=ENV, timeout=60)


def test_json_shapes(daemon, files, build_dir):
    uri = daemon.uri
    for x in ("ceph.xml", "private.xml", "volume.xml"):
        assert run_vstor(build_dir, uri, "secret-define", files / x).returncode == 0
    r = run_vstor(build_dir, uri, "secret-list", "--json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [s["uuid"] for s in listed] == sorted([UUID1, UUID2, UUID3])
    by = {s["uuid"]: s for s in listed}
    for s in listed:
        assert set(s) == {"uuid", "usage_type", "usage_id", "ephemeral", "private"}
    assert by[UUID1]["usage_type"] == "ceph" and by[UUID1]["usage_id"] == "client.admin secret"
    assert by[UUID2] == {"uuid": UUID2, "usage_type": "none", "usage_id": None,
                         "ephemeral": False, "private": True}
    assert by[UUID3]["usage_type"] == "volume"
    assert by[UUID3]["usage_id"] == "/var/lib/vstor/images/enc.qcow2"

    r = run_vstor(build_dir, uri, "secret-list", "--private", "--json")
    assert [s["uuid"] for s in json.loads(r.stdout)] == [UUID2]

    r = run_vstor(build_dir, uri, "secret-dumpxml", UUID1, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"uuid": UUID1, "description": "ceph admin",
                                    "usage_type": "ceph", "usage_id": "client.admin secret",
                                    "ephemeral": False, "private": False}
    r = run_vstor(build_dir, uri, "secret-dumpxml", UUID2, "--json")
    assert json.loads(r.stdout)["description"] is None

    # Read-only connections list and dump too.
    r = run_vstor(build_dir, daemon.uri_ro, "secret-list", "--json")
    assert len(json.loads(r.stdout)) == 3


def test_hints(daemon, files, build_dir):
    uri = daemon.uri
    run_vstor(build_dir, uri, "secret-define", files / "private.xml")
    run_vstor(build_dir, uri, "secret-define", files / "ceph.xml")
    r = run_vstor(build_dir, uri, "secret-get-value", MISSING)
    assert b"hint: 'vstor secret-list' lists the secrets there are" in r.stderr
    r = run_vstor(build_dir, uri, "secret-get-value", UUID2)
    assert b"hint: the secret is private" in r.stderr
    r = run_vstor(build_dir, uri, "secret-get-value", UUID1)
    assert f"hint: set one first with 'vstor secret-set-value {UUID1} --file FILE'".encode() \
        in r.stderr
    r = run_vstor(build_dir, daemon.uri_ro, "secret-set-value", UUID1, "--file",
                  files / "value.b64")
    assert b"hint: this connection is read-only" in r.stderr


def test_completion_offers_secret_uuids(daemon, files, build_dir):
    run_vstor(build_dir, daemon.uri, "secret-define", files / "ceph.xml")
    r = run_vstor(build_dir, daemon.uri, "_complete", "secret-get-value", "")
    assert UUID1 in r.stdout.decode().split()
    r = run_vstor(build_dir, daemon.uri, "_complete", "secret-dumpxml", "--secret", "")
    assert UUID1 in r.stdout.decode().split()


# --- secret-event --------------------------------------------------------------------------------

STAMP_RE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: "


def watch(tool, uri, *args):
    return subprocess.Popen([str(tool), "-c", uri, "secret-event", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)


@pytest.mark.skipif(not shutil.which("virsh"), reason="no virsh")
def test_secret_event_as_virsh(daemon, files, build_dir):
    """vstor secret-event and virsh secret-event side by side on one vstord, while secrets
    are defined, given values and undefined: the same lines, the same exit status."""
    vstor = vstor_bin(build_dir)
    uri = daemon.uri
    assert run_vstor(build_dir, uri, "secret-define", files / "ceph.xml").returncode == 0
    # The watchers' window must hold all the steps (each a vstor run).
    window = str(round(stretch_cli(5)))
    runs = [
        ("--event", "lifecycle", "--loop", "--timeout", window),
        ("--event", "value-changed", "--loop", "--timeout", window),
        ("--event", "lifecycle", "--timeout", window),  # one-shot: the first event only
        ("--event", "value-changed", "--loop", "--timeout", window, "--secret", UUID1),
        ("--event", "lifecycle", "--loop", "--timeout", window, "--timestamp"),
    ]
    procs = [(watch("virsh", uri, *a), watch(vstor, uri, *a)) for a in runs]
    time.sleep(stretch_cli(1.5))  # both registered
    for step in (("secret-define", files / "volume.xml"),
                 ("secret-set-value", UUID3, "--file", files / "value.b64"),
                 ("secret-set-value", UUID1, "--file", files / "value.b64"),
                 ("secret-define", files / "ceph.xml"),
                 ("secret-undefine", UUID3),
                 ("secret-undefine", UUID1)):
        r = run_vstor(build_dir, uri, *step)
        assert r.returncode == 0, r.stderr
    outs = []
    for args, pair in zip(runs, procs):
        (theirs, _), (ours, err) = (p.communicate(timeout=30 + int(window)) for p in pair)
        ours, theirs = ours.decode(), theirs.decode()
        # The same lines; timestamps (--timestamp) may differ by a millisecond.
        assert (pair[1].returncode, re.sub(STAMP_RE, "", ours, flags=re.M)) == \
            (pair[0].returncode, re.sub(STAMP_RE, "", theirs, flags=re.M)), \
            f"{args}:\nvstor: {ours}\n{err}\nvirsh: {theirs}"
        outs.append(ours)
    life = (f"event 'lifecycle' for secret {UUID3}: Defined\n"
            f"event 'lifecycle' for secret {UUID1}: Defined\n"
            f"event 'lifecycle' for secret {UUID3}: Undefined\n"
            f"event 'lifecycle' for secret {UUID1}: Undefined\n")
    tail = "event loop timed out\nevents received: {}\n\n"
    assert outs[0] == life + tail.format(4)
    assert outs[1] == (f"event 'value-changed' for secret {UUID3}\n"
                       f"event 'value-changed' for secret {UUID1}\n" + tail.format(2))
    assert outs[2] == f"event 'lifecycle' for secret {UUID3}: Defined\nevents received: 1\n\n"
    assert outs[3] == f"event 'value-changed' for secret {UUID1}\n" + tail.format(1)
    lines = outs[4].splitlines()
    assert len(lines) == 7
    for got, want in zip(lines, life.splitlines()):
        assert re.fullmatch(STAMP_RE + re.escape(want), got), got


@pytest.mark.skipif(not shutil.which("virsh"), reason="no virsh")
def test_secret_event_list_and_errors_as_virsh(daemon, build_dir, tmp_path):
    steps = [("rw", ("secret-event", "--list"), None),
             ("rw", ("secret-event",), None),
             ("rw", ("secret-event", "--event", "bogus"), None),
             ("rw", ("secret-event", "--event", "lifecycle", "--timeout", "0"), None),
             ("rw", ("secret-event", "--event", "value-changed", "--timeout", "1"), None),
             ("ro", ("secret-event", "--event", "lifecycle", "--timeout", "1"), None)]
    uris = {"rw": daemon.uri, "ro": daemon.uri_ro}
    theirs = transcript("virsh", uris, steps)
    compare(transcript(vstor_bin(build_dir), uris, steps), theirs)
    assert theirs[0][3] == b"lifecycle\nvalue-changed\n\n"
    # An embedded connection lists and waits the same way.
    embed = f"vstor:///embed?root={tmp_path / 'embed'}"
    compare(transcript(vstor_bin(build_dir), {"rw": embed, "ro": embed}, steps, skip_ro=True),
            [t for t in theirs if t[0] == "rw"])
