"""test_daemon_secret_events.py: secret events through vstord — libvirt-python's
secretEventRegisterAny (lifecycle defined/undefined, value changed; all secrets or one) and
virsh's secret-event command."""
import subprocess
import threading
import time

import pytest

libvirt = pytest.importorskip("libvirt")

UUID1 = "6dd3e4a5-1d76-44ce-961f-f119f5aad935"
UUID2 = "2a1bb8f9-7c85-4bf6-a3f0-1c9ab44d0e21"
XML = """<secret ephemeral='no' private='no'>
  <uuid>{uuid}</uuid>
  <usage type='iscsi'>
    <target>{target}</target>
  </usage>
</secret>"""


@pytest.fixture(scope="module")
def event_loop():
    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def run():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    yield
    stop.set()


def wait_until(pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_secret_events_to_python(start_vstord, tmp_path, event_loop):
    d = start_vstord(tmp_path / "root")
    conn = libvirt.open(d.uri)
    seen = []
    lock = threading.Lock()

    def lifecycle(c, secret, event, detail, tag):
        with lock:
            seen.append((tag, secret.UUIDString(), event))

    def changed(c, secret, tag):
        with lock:
            seen.append((tag, secret.UUIDString(), "changed"))

    all_life = conn.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE,
                                           lifecycle, "all")
    all_val = conn.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_VALUE_CHANGED,
                                          changed, "all")
    s1 = conn.secretDefineXML(XML.format(uuid=UUID1, target="iqn.2026-11.test:one"), 0)
    one_life = conn.secretEventRegisterAny(s1, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE,
                                           lifecycle, "one")
    s2 = conn.secretDefineXML(XML.format(uuid=UUID2, target="iqn.2026-11.test:two"), 0)
    s1.setValue(b"chap-password")
    s2.undefine()
    s1.undefine()
    expected = [
        ("all", UUID1, libvirt.VIR_SECRET_EVENT_DEFINED),
        ("all", UUID2, libvirt.VIR_SECRET_EVENT_DEFINED),
        ("all", UUID1, "changed"),
        ("all", UUID2, libvirt.VIR_SECRET_EVENT_UNDEFINED),
        ("all", UUID1, libvirt.VIR_SECRET_EVENT_UNDEFINED),
        ("one", UUID1, libvirt.VIR_SECRET_EVENT_UNDEFINED),
    ]
    assert wait_until(lambda: len(seen) >= len(expected)), seen
    time.sleep(0.3)  # nothing more arrives
    with lock:
        assert sorted(seen, key=str) == sorted(expected, key=str)
    # A failed call sends nothing.
    with pytest.raises(libvirt.libvirtError) as e:
        conn.secretDefineXML("<secret><usage type='bogus'/></secret>", 0)
    assert e.value.get_error_code() != 0
    time.sleep(0.3)
    assert len(seen) == len(expected)

    for cb in (all_life, all_val, one_life):
        conn.secretEventDeregisterAny(cb)
    with pytest.raises(libvirt.libvirtError):
        conn.secretEventDeregisterAny(all_life)
    conn.secretDefineXML(XML.format(uuid=UUID1, target="iqn.2026-11.test:one"), 0)
    time.sleep(0.3)
    assert len(seen) == len(expected), "event after deregister"
    conn.close()


def test_virsh_secret_event(start_vstord, tmp_path):
    d = start_vstord(tmp_path / "root")
    xml = tmp_path / "s.xml"
    xml.write_text(XML.format(uuid=UUID1, target="iqn.2026-11.test:virsh"))
    listen = subprocess.Popen(["virsh", "-c", d.uri, "secret-event", "--event", "lifecycle",
                               "--loop", "--timeout", "5"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    valuewatch = subprocess.Popen(["virsh", "-c", d.uri, "secret-event", "--event",
                                   "value-changed", "--timeout", "5"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # both registered
    subprocess.run(["virsh", "-c", d.uri, "secret-define", str(xml)], check=True,
                   capture_output=True)
    subprocess.run(["virsh", "-c", d.uri, "secret-set-value", UUID1, "--base64", "c2VjcmV0"],
                   check=True, capture_output=True)
    subprocess.run(["virsh", "-c", d.uri, "secret-undefine", UUID1], check=True,
                   capture_output=True)
    out, err = listen.communicate(timeout=30)
    assert listen.returncode == 0, err
    assert out.splitlines()[:2] == [
        f"event 'lifecycle' for secret {UUID1}: Defined",
        f"event 'lifecycle' for secret {UUID1}: Undefined",
    ], out
    out, err = valuewatch.communicate(timeout=30)
    assert valuewatch.returncode == 0, err
    assert out.splitlines()[0] == f"event 'value-changed' for secret {UUID1}", out
