"""test_crash.py: vstord killed with SIGKILL at random moments while a libvirt-python client
runs a stream of pool, volume and secret operations (define, build, start, create, destroy,
undefine, autostart, volume create/clone/convert/resize/upload/wipe/delete, refresh, secret
define/set-value/undefine), restarted after
each kill, and checked against a model of what the daemon acknowledged: every definition
parses, no pool is lost, duplicated or changed, active pools are still active, every volume
it reported created exists whole (size and contents), nothing half-made is listed, and no
temporary file survives the start-up. The operation a kill interrupted may have happened or
not: the state must match one of the two.

VSTOR_CRASH_KILLS sets the number of kills (CI runs 60; `make check-long` 500),
VSTOR_CRASH_SEED the random seed (printed, to replay a failure)."""
import copy
import hashlib
import os
import pathlib
import random
import shutil
import subprocess
import threading
import time
import uuid as uuid_mod
import xml.etree.ElementTree as ET

import pytest

from conftest import Vstord, valgrind_wanted

libvirt = pytest.importorskip("libvirt")

MiB = 1 << 20
MAX_POOLS = 5
MAX_VOLS = 10
TEMP_MARKS = (".vstor-tmp.", ".vstor-tmp-")


def zeros_hash(size):
    h = hashlib.sha256()
    block = bytes(MiB)
    while size > 0:
        h.update(block[:min(size, MiB)])
        size -= min(size, MiB)
    return h.hexdigest()


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def definition(xml):
    """A pool's persistent definition without what starting and refreshing fill in (sizes,
    the target's actual permissions)."""
    root = ET.fromstring(xml)
    for tag in ("capacity", "allocation", "available"):
        for e in root.findall(tag):
            root.remove(e)
    target = root.find("target")
    for e in target.findall("permissions"):
        target.remove(e)
    for e in root.iter():
        e.text = (e.text or "").strip() or None
        e.tail = None
    return ET.tostring(root, encoding="unicode")


class Killed(Exception):
    """The daemon went away under a call (the kill the test made)."""


class Model:
    """What the daemon acknowledged: pools by name, each {persistent, active, autostart,
    xml (inactive XML of persistent pools), dir, vols: {name: {cap, hash, fmt}}}. A volume's
    hash is None when its contents are not known (an upload or wipe was cut short); qcow2
    volumes carry no hash (checked with qemu-img check when a kill hit their creation)."""

    def __init__(self):
        self.pools = {}
        self.secrets = {}  # uuid -> value (bytes) or None (defined, no value yet)


class Crasher:
    def __init__(self, tmp, vstord_bin, seed):
        self.tmp = pathlib.Path(tmp)
        self.root = self.tmp / "root"
        self.pools_dir = self.tmp / "pools"
        self.pools_dir.mkdir()
        self.bin = vstord_bin
        self.rng = random.Random(seed)
        self.model = Model()
        self.next_pool = 0
        self.next_vol = 0
        self.daemon = None
        self.conn = None
        self.pending = None  # (description, model before, model after, vol to qemu-img check)
        self.killed = threading.Event()
        self.errors = []
        self.ops_done = 0
        self.interrupted = {}

    # --- daemon ---------------------------------------------------------------------------

    def start(self):
        self.daemon = Vstord(self.bin, self.root)
        for _ in range(100):
            try:
                self.conn = libvirt.open(self.daemon.uri)
                return
            except libvirt.libvirtError:
                time.sleep(0.05)
        raise AssertionError(f"cannot connect to vstord: {self.daemon.report()}")

    def kill(self):
        self.killed.set()
        self.daemon.proc.kill()
        self.daemon.proc.wait()
        self.daemon.log.close()
        report = self.daemon.sanitizer_report()  # under VSTOR_ASAN=1
        assert not report, f"the sanitizer found something before the kill:\n{report}"

    def stop(self):
        if self.daemon and self.daemon.alive():
            code = self.daemon.stop()
            assert code == 0, f"vstord exited {code}: {self.daemon.report()}"

    # --- operations: each returns (description, after-model, check-vol) or None -------------

    def call(self, fn, *args):
        try:
            return fn(*args)
        except libvirt.libvirtError as e:
            if self.killed.is_set():
                raise Killed() from e
            raise

    def pick_pool(self, **want):
        names = [n for n, p in self.model.pools.items()
                 if all(p[k] == v for k, v in want.items())]
        return self.rng.choice(names) if names else None

    def pick_vol(self, pool, fmt=None, known=False):
        vols = [n for n, v in self.model.pools[pool]["vols"].items()
                if (fmt is None or v["fmt"] == fmt) and (not known or v["hash"])]
        return self.rng.choice(vols) if vols else None

    def new_vol_name(self, ext):
        self.next_vol += 1
        return f"v{self.next_vol}.{ext}"

    def new_pool(self, m, persistent):
        """Adds the next dir pool to @m (inactive when @persistent, else active); returns its
        name and XML, or None when the model holds enough pools."""
        if len(m.pools) >= MAX_POOLS:
            return None
        self.next_pool += 1
        name = f"p{self.next_pool}"
        d = self.pools_dir / name
        m.pools[name] = dict(persistent=persistent, active=not persistent, autostart=False,
                             dir=str(d), xml=None, vols={})
        return name, (f"<pool type='dir'><name>{name}</name><target><path>{d}</path>"
                      "</target></pool>")

    def op_define(self, m):
        got = self.new_pool(m, persistent=True)
        if not got:
            return None
        name, xml = got

        def run():
            p = self.call(self.conn.storagePoolDefineXML, xml, 0)
            m.pools[name]["xml"] = definition(
                self.call(p.XMLDesc, libvirt.VIR_STORAGE_XML_INACTIVE))
        return f"define {name}", run

    def op_create_transient(self, m):
        got = self.new_pool(m, persistent=False)
        if not got:
            return None
        name, xml = got
        return f"create transient {name}", lambda: self.call(
            self.conn.storagePoolCreateXML, xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)

    def op_start(self, m):
        name = self.pick_pool(active=False)
        if not name:
            return None
        m.pools[name]["active"] = True

        def run():
            p = self.call(self.conn.storagePoolLookupByName, name)
            self.call(p.build, 0)
            self.call(p.create, 0)
        # build then start: two calls; a kill between them leaves the pool inactive
        return f"build+start {name}", run

    def op_destroy(self, m):
        name = self.pick_pool(active=True)
        if not name:
            return None
        if m.pools[name]["persistent"]:
            m.pools[name]["active"] = False
        else:
            del m.pools[name]
        return f"destroy {name}", lambda: self.call(
            self.call(self.conn.storagePoolLookupByName, name).destroy)

    def op_undefine(self, m):
        name = self.pick_pool(active=False, persistent=True)
        if not name:
            return None
        del m.pools[name]
        return f"undefine {name}", lambda: self.call(
            self.call(self.conn.storagePoolLookupByName, name).undefine)

    def op_autostart(self, m):
        name = self.pick_pool(persistent=True)
        if not name:
            return None
        flag = not m.pools[name]["autostart"]
        m.pools[name]["autostart"] = flag
        return f"autostart {name} {flag}", lambda: self.call(
            self.call(self.conn.storagePoolLookupByName, name).setAutostart, int(flag))

    def op_refresh(self, m):
        name = self.pick_pool(active=True)
        if not name:
            return None
        return f"refresh {name}", lambda: self.call(
            self.call(self.conn.storagePoolLookupByName, name).refresh, 0)

    def op_vol_create(self, m):
        name = self.pick_pool(active=True)
        if not name or len(m.pools[name]["vols"]) >= MAX_VOLS:
            return None
        qcow2 = self.rng.random() < 0.3
        cap = self.rng.choice([1, 2, 4, 8]) * MiB
        vol = self.new_vol_name("qcow2" if qcow2 else "img")
        fmt = "qcow2" if qcow2 else "raw"
        xml = (f"<volume><name>{vol}</name><capacity>{cap}</capacity>"
               f"<allocation>0</allocation><target><format type='{fmt}'/></target></volume>")
        m.pools[name]["vols"][vol] = dict(cap=cap, fmt=fmt,
                                          hash=None if qcow2 else zeros_hash(cap))
        self.check_vol = (name, vol)
        return f"create {name}/{vol}", lambda: self.call(
            self.call(self.conn.storagePoolLookupByName, name).createXML, xml, 0)

    def op_clone(self, m):
        name = self.pick_pool(active=True)
        if not name or len(m.pools[name]["vols"]) >= MAX_VOLS:
            return None
        src = self.pick_vol(name, fmt="raw", known=True)
        if not src:
            return None
        convert = self.rng.random() < 0.3
        fmt = "qcow2" if convert else "raw"
        vol = self.new_vol_name(fmt if convert else "img")
        s = m.pools[name]["vols"][src]
        m.pools[name]["vols"][vol] = dict(cap=s["cap"], fmt=fmt,
                                          hash=None if convert else s["hash"])
        self.check_vol = (name, vol)
        xml = (f"<volume><name>{vol}</name><capacity>0</capacity>"
               f"<target><format type='{fmt}'/></target></volume>")

        def run():
            p = self.call(self.conn.storagePoolLookupByName, name)
            self.call(p.createXMLFrom, xml, self.call(p.storageVolLookupByName, src), 0)
        return f"{'convert' if convert else 'clone'} {name}/{src} -> {vol}", run

    def op_upload(self, m):
        name = self.pick_pool(active=True)
        vol = name and self.pick_vol(name, fmt="raw")
        if not vol:
            return None
        v = m.pools[name]["vols"][vol]
        data = self.rng.randbytes(v["cap"])
        v["hash"] = hashlib.sha256(data).hexdigest()

        def run():
            p = self.call(self.conn.storagePoolLookupByName, name)
            sv = self.call(p.storageVolLookupByName, vol)
            st = self.call(self.conn.newStream, 0)
            self.call(sv.upload, st, 0, len(data), 0)
            for off in range(0, len(data), 256 * 1024):
                self.call(st.send, data[off:off + 256 * 1024])
            self.call(st.finish)
        self.partial = (name, vol)  # a cut upload leaves contents unknown
        return f"upload {name}/{vol}", run

    def op_wipe(self, m):
        name = self.pick_pool(active=True)
        vol = name and self.pick_vol(name, fmt="raw")
        if not vol:
            return None
        v = m.pools[name]["vols"][vol]
        v["hash"] = zeros_hash(v["cap"])
        self.partial = (name, vol)
        return f"wipe {name}/{vol}", lambda: self.call(
            self.call(self.call(self.conn.storagePoolLookupByName, name).storageVolLookupByName,
                      vol).wipe, 0)

    def op_resize(self, m):
        name = self.pick_pool(active=True)
        vol = name and self.pick_vol(name, fmt="raw", known=True)
        if not vol:
            return None
        v = m.pools[name]["vols"][vol]
        path = pathlib.Path(m.pools[name]["dir"]) / vol
        grow = self.rng.choice([1, 2]) * MiB
        h = hashlib.sha256(path.read_bytes() + bytes(grow)).hexdigest()
        v["cap"] += grow
        v["hash"] = h
        return f"resize {name}/{vol} +{grow}", lambda: self.call(
            self.call(self.call(self.conn.storagePoolLookupByName, name).storageVolLookupByName,
                      vol).resize, v["cap"], 0)

    def op_delete(self, m):
        name = self.pick_pool(active=True)
        vol = name and self.pick_vol(name)
        if not vol:
            return None
        del m.pools[name]["vols"][vol]
        return f"delete {name}/{vol}", lambda: self.call(
            self.call(self.call(self.conn.storagePoolLookupByName, name).storageVolLookupByName,
                      vol).delete, 0)

    def op_secret_define(self, m):
        if len(m.secrets) >= 6:
            return None
        u = str(uuid_mod.UUID(int=self.rng.getrandbits(128), version=4))
        m.secrets[u] = None
        xml = (f"<secret ephemeral='no' private='no'><uuid>{u}</uuid><usage type='ceph'>"
               f"<name>crash {u}</name></usage></secret>")
        return f"secret-define {u}", lambda: self.call(self.conn.secretDefineXML, xml, 0)

    def op_secret_set(self, m):
        if not m.secrets:
            return None
        u = self.rng.choice(sorted(m.secrets))
        value = self.rng.randbytes(self.rng.randrange(1, 64))
        m.secrets[u] = value
        return f"secret-set-value {u}", lambda: self.call(
            self.call(self.conn.secretLookupByUUIDString, u).setValue, value, 0)

    def op_secret_undefine(self, m):
        if not m.secrets:
            return None
        u = self.rng.choice(sorted(m.secrets))
        del m.secrets[u]
        return f"secret-undefine {u}", lambda: self.call(
            self.call(self.conn.secretLookupByUUIDString, u).undefine)

    OPS = [("op_secret_define", 1), ("op_secret_set", 2), ("op_secret_undefine", 1),
           ("op_define", 3), ("op_create_transient", 1), ("op_start", 4), ("op_destroy", 2),
           ("op_undefine", 2), ("op_autostart", 2), ("op_refresh", 2), ("op_vol_create", 8),
           ("op_clone", 5), ("op_upload", 4), ("op_wipe", 2), ("op_resize", 3),
           ("op_delete", 4)]

    def next_op(self):
        """Picks a valid operation: (description, run, model after, vol to check, partial)."""
        names = [n for n, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        for _ in range(50):
            after = copy.deepcopy(self.model)
            self.check_vol = self.partial = None
            got = getattr(self, self.rng.choices(names, weights)[0])(after)
            if got:
                return got[0], got[1], after, self.check_vol, self.partial
        return None

    def worker(self):
        while not self.killed.is_set():
            got = self.next_op()
            if not got:
                return
            desc, run, after, check_vol, partial = got
            before = self.model
            self.pending = (desc, before, after, check_vol, partial)
            try:
                run()
            except Killed:
                return
            except libvirt.libvirtError as e:
                self.errors.append(f"{desc}: {e}")
                self.killed.set()
                return
            self.model = after
            self.pending = None
            self.ops_done += 1

    # --- checks -----------------------------------------------------------------------------

    def observe(self):
        """The daemon's state after a restart, in the model's shape."""
        seen = Model()
        uuids = set()
        for p in self.conn.listAllStoragePools(0):
            name = p.name()
            assert p.UUIDString() not in uuids, f"two pools share a UUID: {name}"
            uuids.add(p.UUIDString())
            assert name not in seen.pools, f"pool {name} listed twice"
            active = bool(p.isActive())
            root = ET.fromstring(p.XMLDesc(0))
            entry = dict(persistent=bool(p.isPersistent()), active=active,
                         autostart=bool(p.autostart()), dir=root.findtext("target/path"),
                         xml=definition(p.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
                         if p.isPersistent() else None, vols={})
            if active:
                for v in p.listAllVolumes(0):
                    x = ET.fromstring(v.XMLDesc(0))
                    entry["vols"][v.name()] = dict(cap=v.info()[1],
                                                   fmt=x.find("target/format").get("type"),
                                                   path=v.path())
            seen.pools[name] = entry
        for sec in self.conn.listAllSecrets(0):
            try:
                value = sec.value(0)
            except libvirt.libvirtError as e:
                if e.get_error_code() != libvirt.VIR_ERR_NO_SECRET:
                    raise
                value = None
            seen.secrets[sec.UUIDString()] = value
        return seen

    def differences(self, model, seen, partial):
        """What in @seen contradicts @model (a list of texts; empty when it matches)."""
        out = []
        if model.secrets != seen.secrets:
            out.append(f"secrets {sorted(seen.secrets.items())} != "
                       f"{sorted(model.secrets.items())}")
        if set(model.pools) != set(seen.pools):
            out.append(f"pools {sorted(seen.pools)} != {sorted(model.pools)}")
            return out
        for name, want in model.pools.items():
            got = seen.pools[name]
            for k in ("persistent", "active", "autostart"):
                if want[k] != got[k]:
                    out.append(f"{name}: {k} is {got[k]}, should be {want[k]}")
            if want["xml"] is not None and got["xml"] != want["xml"]:
                out.append(f"{name}: definition changed:\n{got['xml']}\n!=\n{want['xml']}")
            if not got["active"] or not want["active"]:
                continue
            if set(want["vols"]) != set(got["vols"]):
                out.append(f"{name}: volumes {sorted(got['vols'])} != {sorted(want['vols'])}")
                continue
            for vol, wv in want["vols"].items():
                gv = got["vols"][vol]
                if wv["cap"] != gv["cap"] or wv["fmt"] != gv["fmt"]:
                    out.append(f"{name}/{vol}: {gv['cap']} bytes {gv['fmt']}, should be "
                               f"{wv['cap']} {wv['fmt']}")
                elif wv["hash"] and (name, vol) != partial and \
                        file_hash(gv["path"]) != wv["hash"]:
                    out.append(f"{name}/{vol}: contents differ from what was acknowledged")
        return out

    def check_after_restart(self):
        # every definition on disk parses and names its file
        confdir = self.root / "etc" / "storage"
        for f in confdir.glob("*.xml"):
            root = ET.parse(f).getroot()
            assert root.findtext("name") + ".xml" == f.name, f"{f} names another pool"
        for d in (confdir, self.root / "run" / "storage", self.root / "etc" / "secrets"):
            if not d.exists():
                continue
            left = [f.name for f in d.iterdir() if any(m in f.name for m in TEMP_MARKS)]
            assert not left, f"temporary files survived the start-up in {d}: {left}"
        seen = self.observe()
        for name, p in seen.pools.items():
            if p["active"]:
                left = [f.name for f in pathlib.Path(p["dir"]).iterdir()
                        if f.name.startswith(".vstor-tmp.")]
                assert not left, f"pool {name}: temporary files survived the start-up: {left}"
        if self.pending is None:
            diff = self.differences(self.model, seen, None)
            assert not diff, "state after restart:\n" + "\n".join(diff)
            return
        desc, before, after, check_vol, partial = self.pending
        self.interrupted[desc.split()[0]] = self.interrupted.get(desc.split()[0], 0) + 1
        if partial:  # a cut upload or wipe: any contents, same size
            for m in (before, after):
                if partial[0] in m.pools and partial[1] in m.pools[partial[0]]["vols"]:
                    m.pools[partial[0]]["vols"][partial[1]]["hash"] = None
        d_after = self.differences(after, seen, partial)
        d_before = self.differences(before, seen, partial) if d_after else []
        assert not d_after or not d_before, (
            f"after a kill during '{desc}' the state is neither before nor after it:\n"
            f"as if done: {d_after}\nas if not: {d_before}")
        self.model = before if d_after else after
        if not d_after and check_vol and check_vol[0] in seen.pools and \
                check_vol[1] in seen.pools[check_vol[0]]["vols"]:
            vol = seen.pools[check_vol[0]]["vols"][check_vol[1]]
            if vol["fmt"] == "qcow2":
                r = subprocess.run(["qemu-img", "check", "-q", vol["path"]],
                                   capture_output=True, text=True)
                assert r.returncode == 0, f"{desc}: half-made image listed: {r.stderr}"
        # a definition whose reply the kill cut off is known from now on
        for name, p in self.model.pools.items():
            if p["persistent"] and p["xml"] is None and name in seen.pools:
                p["xml"] = seen.pools[name]["xml"]
        self.pending = None

    def round(self):
        self.start()
        self.check_after_restart()
        self.killed.clear()
        t = threading.Thread(target=self.worker, daemon=True)
        t.start()
        time.sleep(self.rng.choice([0, 0.002, 0.01, 0.03, 0.08, 0.15, 0.3]))
        self.kill()
        t.join(30)
        assert not t.is_alive(), "the client is stuck after the kill"
        try:
            self.conn.close()
        except libvirt.libvirtError:
            pass
        self.conn = None
        assert not self.errors, f"an operation failed while the daemon was up: {self.errors}"


@pytest.mark.skipif(valgrind_wanted(), reason="500 restarts under valgrind take hours")
def test_sigkill_at_random_moments(tmp_path, vstord_bin):
    kills = int(os.environ.get("VSTOR_CRASH_KILLS", "60"))
    seed = int(os.environ.get("VSTOR_CRASH_SEED", str(random.randrange(1 << 30))))
    libvirt.registerErrorHandler(lambda *a: None, None)
    # its own copy: hundreds of restarts must not pick up a binary being rebuilt meanwhile
    binary = tmp_path / "vstord"
    shutil.copy2(vstord_bin, binary)
    c = Crasher(tmp_path, binary, seed)
    t0 = time.time()
    try:
        for i in range(kills):
            try:
                c.round()
            except AssertionError as e:
                raise AssertionError(f"kill {i + 1} (VSTOR_CRASH_SEED={seed}): {e}") from None
        c.start()
        c.check_after_restart()
    finally:
        c.stop()
    print(f"\n{kills} kills survived in {time.time() - t0:.0f} s (seed {seed}): "
          f"{c.ops_done} operations acknowledged, interrupted: "
          + ", ".join(f"{k} {v}" for k, v in sorted(c.interrupted.items())))
