"""test_access_rules.py: per-pool access rules ([pool:NAME] sections of vstord.conf) with real
non-root Unix users running stock virsh and libvirt-python against one vstord: listings show
only visible pools, hidden pools answer like missing ones, a level too low is refused with
VIR_ERR_ACCESS_DENIED and changes nothing, allowed operations work, root sees everything; for
pool lifecycle, volumes (streams included), lookups by path and key, events, secrets, source
discovery, jobs and a SIGHUP reload.

The rules: user A manages p1 and pools named a-*, user B uses p1 and sees p2, group G (user C)
sees p3, user D is named nowhere; p4 matches no rule. Every user is in the socket group."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import uuid

import pytest

libvirt = pytest.importorskip("libvirt")

NO_POOL = 49  # VIR_ERR_NO_STORAGE_POOL
NO_VOL = 50  # VIR_ERR_NO_STORAGE_VOL
DENIED = 88  # VIR_ERR_ACCESS_DENIED
MIB = 1 << 20


def rules_text(users, extra=""):
    return textwrap.dedent(f"""\
        [vstord]
        unix_sock_group = {users['S']}
        unix_sock_rw_perms = 0660

        [pool:p1]
        manage = user:{users['A']}
        use = user:{users['B']}

        [pool:p2]
        see = user:{users['B']}

        [pool:p3]
        see = group:{users['G']}

        [pool:a-*]
        manage = user:{users['A']}
        """) + extra


@pytest.fixture(scope="module")
def users():
    """Users A, B, C, D, group G (C in it) and the socket group S (everyone in it); all are
    removed afterwards, whatever happened."""
    tag = f"{os.getpid() % 100000}"
    names = {k: f"vstortest_{k.lower()}{tag}" for k in ("A", "B", "C", "D", "G", "S")}
    made_groups, made_users = [], []
    try:
        for g in ("S", "G"):
            subprocess.run(["groupadd", "-r", names[g]], check=True)
            made_groups.append(names[g])
        for u in ("A", "B", "C", "D"):
            groups = names["S"] + ("," + names["G"] if u == "C" else "")
            subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", "-G", groups,
                            names[u]], check=True)
            made_users.append(names[u])
        yield names
    finally:
        for name in made_users:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        for name in made_groups:
            subprocess.run(["groupdel", name], check=False, capture_output=True)


class Env:
    pass


@pytest.fixture(scope="module")
def access_root():
    """A state root other users can traverse, with a home directory anyone may write to."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="vstor-access-", dir="/tmp"))
    root.chmod(0o755)
    (root / "etc").mkdir()
    (root / "home").mkdir()
    (root / "home").chmod(0o1777)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def env(users, access_root, start_vstord_module):
    """One vstord with the rules and pools p1, p2, p4 (active) and p3 (inactive), each with a
    1 MiB volume v1 when active. (The root is set up before the daemon, so removed after it.)"""
    root = access_root
    conf = root / "etc" / "vstord.conf"
    conf.write_text(rules_text(users))
    d = start_vstord_module(root)
    conn = libvirt.open(d.uri)
    e = Env()
    e.d, e.users, e.root, e.home, e.conf, e.conn = d, users, root, root / "home", conf, conn
    e.pools = {}
    for name in ("p1", "p2", "p3", "p4"):
        path = root / "pools" / name
        pool = conn.storagePoolDefineXML(
            f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target>"
            "</pool>", 0)
        pool.build(0)
        if name != "p3":
            pool.create(0)
            pool.createXML(vol_xml("v1", MIB), 0)
        e.pools[name] = pool
    yield e
    conn.close()


def vol_xml(name, capacity):
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
            "<target><format type='raw'/></target></volume>")


def user_env(home):
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home),
            "XDG_CONFIG_HOME": str(home), "XDG_RUNTIME_DIR": str(home)}


def run_as(env, who, argv, **kw):
    """Runs argv as user @who ("A".."D", or "root")."""
    name = "root" if who == "root" else env.users[who]
    return subprocess.run(["runuser", "-u", name, "--", "env",
                           *[f"{k}={v}" for k, v in user_env(env.home).items()], *argv],
                          capture_output=True, text=True, timeout=90, check=False, **kw)


def virsh_as(env, who, *args, uri=None):
    return run_as(env, who, ["virsh", "-c", uri or env.d.uri, *args])


PRELUDE = """\
import json, sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open(sys.argv[1])
out = {}
def err(f, *a):
    try:
        f(*a)
        return None
    except libvirt.libvirtError as e:
        return [e.get_error_code(), e.get_error_message()]
"""


def py_as(env, who, body, uri=None):
    """Runs @body (Python with conn, err() and out = {}) as @who; returns out."""
    script = PRELUDE + textwrap.dedent(body) + "\nprint(json.dumps(out))\n"
    r = run_as(env, who, ["/usr/bin/python3", "-c", script, uri or env.d.uri])
    assert r.returncode == 0, f"{who}: {r.stderr}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def vol_path(env, pool, vol="v1"):
    return str(env.root / "pools" / pool / vol)


# --- listings -------------------------------------------------------------------------------


LISTINGS = """
out['all'] = sorted(p.name() for p in conn.listAllStoragePools(0))
out['active'] = sorted(conn.listStoragePools())
out['defined'] = sorted(conn.listDefinedStoragePools())
out['num'] = conn.numOfStoragePools()
out['numdef'] = conn.numOfDefinedStoragePools()
out['inactive'] = sorted(p.name() for p in conn.listAllStoragePools(
    libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE))
"""


@pytest.mark.parametrize("who,active,defined", [
    ("A", ["p1"], []),
    ("B", ["p1", "p2"], []),
    ("C", [], ["p3"]),
    ("D", [], []),
    ("root", ["p1", "p2", "p4"], ["p3"]),
])
def test_listings_show_only_visible_pools(env, who, active, defined):
    got = py_as(env, who, LISTINGS)
    assert got == {"all": sorted(active + defined), "active": active, "defined": defined,
                   "num": len(active), "numdef": len(defined), "inactive": defined}
    # The read-only socket filters the same way.
    assert py_as(env, who, LISTINGS, uri=env.d.uri_ro) == got
    # And virsh's table.
    out = virsh_as(env, who, "pool-list", "--all", "--name")
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split()) == sorted(active + defined)


# --- lookups --------------------------------------------------------------------------------


def test_hidden_pools_answer_like_missing_ones(env):
    p4 = env.pools["p4"]
    body = f"""
    for name in ("p3", "p4", "nosuch"):
        out[name] = err(conn.storagePoolLookupByName, name)
    out["uuid-p4"] = err(conn.storagePoolLookupByUUIDString, {p4.UUIDString()!r})
    out["uuid-none"] = err(conn.storagePoolLookupByUUIDString, {str(uuid.uuid4())!r})
    out["path-p4"] = err(conn.storagePoolLookupByTargetPath, {str(env.root / 'pools' / 'p4')!r})
    out["path-none"] = err(conn.storagePoolLookupByTargetPath, "/nowhere/at/all")
    out["volpath-p4"] = err(conn.storageVolLookupByPath, {vol_path(env, 'p4')!r})
    out["volpath-none"] = err(conn.storageVolLookupByPath, "/nowhere/v1")
    out["volkey-p4"] = err(conn.storageVolLookupByKey, {vol_path(env, 'p4')!r})
    out["volkey-none"] = err(conn.storageVolLookupByKey, "/nowhere/v1")
    v = conn.storageVolLookupByPath({vol_path(env, 'p1')!r})
    out["visible"] = [v.name(), v.storagePoolLookupByVolume().name(),
                      conn.storageVolLookupByKey(v.key()).name(),
                      conn.storagePoolLookupByTargetPath({str(env.root / 'pools' / 'p2')!r}).name()]
    """
    got = py_as(env, "B", body)
    assert got["visible"] == ["v1", "p1", "v1", "p2"]
    for name in ("p3", "p4", "nosuch"):
        assert got[name] == [NO_POOL, "Storage pool not found: no storage pool with matching "
                                      f"name '{name}'"]
    for what, code in (("uuid", NO_POOL), ("path", NO_POOL), ("volpath", NO_VOL),
                       ("volkey", NO_VOL)):
        hidden, missing = got[f"{what}-p4"], got[f"{what}-none"]
        assert hidden[0] == missing[0] == code, (what, hidden, missing)
        # The same words, only the name asked for differs.
        assert hidden[1].split(" '")[0].split(" /")[0] == \
            missing[1].split(" '")[0].split(" /")[0], (hidden, missing)
    # virsh says what it says for a pool that does not exist.
    for args in (("pool-info", "p4"), ("vol-info", "--pool", "p4", "v1"),
                 ("vol-list", "p3"), ("pool-dumpxml", "p4")):
        out = virsh_as(env, "B", *args)
        assert out.returncode == 1 and "Storage pool not found" in out.stderr, (args, out.stderr)
    out = virsh_as(env, "B", "vol-info", vol_path(env, "p4"))
    assert out.returncode == 1 and "Storage volume not found" in out.stderr, out.stderr
    # Root finds them all.
    out = virsh_as(env, "root", "vol-info", vol_path(env, "p4"))
    assert out.returncode == 0, out.stderr


# --- levels ---------------------------------------------------------------------------------


def pool_state(env, name):
    p = env.conn.storagePoolLookupByName(name)
    vols = sorted(v.name() for v in p.listAllVolumes(0)) if p.isActive() else []
    # The definition without the sizes, which move with anything written on the filesystem.
    xml = re.sub(r"<(capacity|allocation|available)[^<]*</\1>", "", p.XMLDesc(0))
    return (p.isActive(), p.isPersistent(), p.autostart(), xml, vols,
            (env.root / "pools" / name).is_dir())


def test_pool_lifecycle_needs_manage(env):
    before = {n: pool_state(env, n) for n in ("p1", "p2", "p3")}
    body = """
    p1 = conn.storagePoolLookupByName("p1")
    xml = p1.XMLDesc(0)
    for op, args in (("destroy", ()), ("create", (0,)), ("build", (0,)), ("delete", (0,)),
                     ("undefine", ()), ("refresh", (0,)), ("setAutostart", (1,))):
        out[op] = err(getattr(p1, op), *args)
    out["define-p1"] = err(conn.storagePoolDefineXML, xml, 0)
    p2 = conn.storagePoolLookupByName("p2")
    out["p2-refresh"] = err(p2.refresh, 0)
    out["p2-destroy"] = err(p2.destroy)
    """
    got = py_as(env, "B", body)
    for op, e in got.items():
        assert e and e[0] == DENIED, (op, e)
        assert e[1].startswith("access denied: 'storage' denied access"), e
        assert "needs 'manage' on pool" in e[1], e
    got = py_as(env, "C", """
    p3 = conn.storagePoolLookupByName("p3")
    out["info"] = p3.info()[0]
    out["create"] = err(p3.create, 0)
    out["undefine"] = err(p3.undefine)
    """)
    assert got["info"] == libvirt.VIR_STORAGE_POOL_INACTIVE
    assert got["create"][0] == DENIED and got["undefine"][0] == DENIED
    out = virsh_as(env, "B", "pool-destroy", "p1")
    assert out.returncode == 1
    assert "access denied: 'storage' denied access (virStoragePoolDestroy needs 'manage' on " \
           "pool 'p1')" in out.stderr, out.stderr
    assert {n: pool_state(env, n) for n in before} == before


def test_manager_runs_the_pool_lifecycle(env):
    before = pool_state(env, "p1")
    for args in (("pool-refresh", "p1"), ("pool-autostart", "p1"),
                 ("pool-autostart", "p1", "--disable"), ("pool-destroy", "p1"),
                 ("pool-start", "p1")):
        out = virsh_as(env, "A", *args)
        assert out.returncode == 0, (args, out.stderr)
    xml = env.root / "home" / "p1.xml"
    xml.write_text(env.pools["p1"].XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
    out = virsh_as(env, "A", "pool-define", str(xml))
    assert out.returncode == 0, out.stderr
    assert pool_state(env, "p1") == before
    # A new pool: only a name a rule gives A 'manage' on; a hidden existing name and a free
    # one are refused in the same words.
    new = env.root / "pools" / "a-new"
    got = py_as(env, "A", f"""
    def xml(name):
        return ("<pool type='dir'><name>%s</name><target><path>{new}</path></target></pool>"
                % name)
    out["p2"] = err(conn.storagePoolDefineXML, xml("p2"), 0)
    out["free"] = err(conn.storagePoolDefineXML, xml("b-new"), 0)
    out["create-free"] = err(conn.storagePoolCreateXML, xml("b-new"), 0)
    p = conn.storagePoolDefineXML(xml("a-new"), 0)
    p.build(0)
    p.create(0)
    p.createXML("<volume><name>x</name><capacity>4096</capacity></volume>", 0)
    out["listed"] = sorted(q.name() for q in conn.listAllStoragePools(0))
    p.storageVolLookupByName("x").delete(0)
    p.destroy()
    p.delete(0)
    p.undefine()
    """)
    assert got["listed"] == ["a-new", "p1"]
    for k in ("p2", "free", "create-free"):
        assert got[k][0] == DENIED, got[k]
    assert got["p2"][1].replace("p2", "N") == got["free"][1].replace("b-new", "N")
    assert "a-new" not in env.conn.listStoragePools() + env.conn.listDefinedStoragePools()
    assert "b-new" not in env.conn.listDefinedStoragePools()


def test_volume_changes_need_use_and_reads_need_see(env):
    p2_before, p1_before = pool_state(env, "p2"), pool_state(env, "p1")
    body = """
    p1 = conn.storagePoolLookupByName("p1")
    p2 = conn.storagePoolLookupByName("p2")
    v = p2.storageVolLookupByName("v1")
    out["reads"] = [p2.info()[0], p2.isActive(), p2.isPersistent(), p2.autostart(),
                    "<pool" in p2.XMLDesc(0), p2.listVolumes(), p2.numOfVolumes(),
                    [x.name() for x in p2.listAllVolumes(0)], v.info()[1], "<volume" in
                    v.XMLDesc(0), v.path()]
    vx = "<volume><name>new</name><capacity>4096</capacity></volume>"
    out["create"] = err(p2.createXML, vx, 0)
    out["clone-into"] = err(p2.createXMLFrom, vx, p1.storageVolLookupByName("v1"), 0)
    out["clone-from"] = err(p1.createXMLFrom, vx, v, 0)
    out["delete"] = err(v.delete, 0)
    out["wipe"] = err(v.wipe, 0)
    out["wipe-pattern"] = err(v.wipePattern, libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0)
    out["resize"] = err(v.resize, 8 << 20, 0)
    out["upload"] = err(v.upload, conn.newStream(0), 0, 0, 0)
    out["download"] = err(v.download, conn.newStream(0), 0, 0, 0)
    """
    got = py_as(env, "B", body)
    reads = got.pop("reads")
    assert reads == [libvirt.VIR_STORAGE_POOL_RUNNING, 1, 1, 0, True, ["v1"], 1, ["v1"], MIB,
                     True, vol_path(env, "p2")]
    for op, e in got.items():
        assert e and e[0] == DENIED, (op, e)
        assert "needs 'use' on pool 'p2'" in e[1], (op, e)
    # virsh over the streams.
    src = env.home / "data.bin"
    src.write_bytes(os.urandom(MIB))
    out = virsh_as(env, "B", "vol-upload", "--pool", "p2", "v1", str(src))
    assert out.returncode == 1 and "access denied" in out.stderr, out.stderr
    out = virsh_as(env, "B", "vol-download", "--pool", "p2", "v1", str(env.home / "no.bin"))
    assert out.returncode == 1 and "access denied" in out.stderr, out.stderr
    assert pool_state(env, "p2") == p2_before and pool_state(env, "p1") == p1_before
    assert env.pools["p2"].storageVolLookupByName("v1").info()[1] == MIB


def test_user_works_with_volumes(env):
    src = env.home / "upload.bin"
    data = os.urandom(MIB)
    src.write_bytes(data)
    back = env.home / "download.bin"
    steps = [
        ("vol-create-as", "p1", "bvol", "1M"),
        ("vol-upload", "--pool", "p1", "bvol", str(src)),
        ("vol-download", "--pool", "p1", "bvol", str(back)),
        ("vol-clone", "--pool", "p1", "bvol", "bclone"),
        ("vol-resize", "--pool", "p1", "bclone", "2M"),
        ("vol-wipe", "--pool", "p1", "bclone"),
        ("vol-info", "--pool", "p1", "bclone"),
        ("vol-path", "--pool", "p1", "bvol"),
        ("vol-delete", "--pool", "p1", "bclone"),
        ("vol-delete", "--pool", "p1", "bvol"),
    ]
    for who in ("B", "A"):
        for args in steps:
            out = virsh_as(env, who, *args)
            assert out.returncode == 0, (who, args, out.stderr)
            if args[0] == "vol-download":
                assert back.read_bytes() == data
                back.unlink()
    assert sorted(env.pools["p1"].listVolumes()) == ["v1"]


# --- events ---------------------------------------------------------------------------------


EVENTS = """\
import json, sys, threading, time, libvirt
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
got = []
conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                 lambda c, p, e, d, o: got.append([p.name(), e]), None)
conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                                 lambda c, p, o: got.append([p.name(), "refresh"]), None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
told = []
threading.Thread(target=lambda: told.append(sys.stdin.readline()), daemon=True).start()
print("ready", flush=True)
# Until the last event of the test arrives, or the test says it is over.
deadline = time.time() + 20
while ["p1", "refresh"] not in got and not told and time.time() < deadline:
    time.sleep(0.05)
time.sleep(0.3)
print(json.dumps(got), flush=True)
"""


def test_events_only_for_visible_pools(env):
    procs = {}
    try:
        for who in ("B", "D"):
            argv = ["runuser", "-u", env.users[who], "--", "env",
                    *[f"{k}={v}" for k, v in user_env(env.home).items()],
                    "/usr/bin/python3", "-c", EVENTS, env.d.uri]
            procs[who] = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
            assert procs[who].stdout.readline().strip() == "ready", procs[who].stderr.read()
        # Hidden from B first, then visible: B must get the second batch only.
        p4, p1 = env.pools["p4"], env.pools["p1"]
        p4.refresh(0)
        p4.destroy()
        p4.create(0)
        p1.destroy()
        p1.create(0)
        p1.refresh(0)
        # B stops at p1's refresh; by then D would have had whatever was sent to it.
        got = {"B": json.loads(procs["B"].stdout.readline())}
        procs["D"].stdin.write("over\n")
        procs["D"].stdin.flush()
        got["D"] = json.loads(procs["D"].stdout.readline())
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
            p.wait()
    stopped, started = libvirt.VIR_STORAGE_POOL_EVENT_STOPPED, libvirt.VIR_STORAGE_POOL_EVENT_STARTED
    assert got["B"] == [["p1", stopped], ["p1", started], ["p1", "refresh"]], got
    assert got["D"] == [], got


# --- what belongs to no pool ------------------------------------------------------------------


SECRET = """<secret ephemeral='no' private='no'><uuid>{u}</uuid>
<usage type='ceph'><name>{n}</name></usage></secret>"""


def test_secrets_are_for_pool_managers(env):
    s = env.conn.secretDefineXML(SECRET.format(u=uuid.uuid4(), n="root's"), 0)
    try:
        body = f"""
        out["list"] = [x.UUIDString() for x in conn.listAllSecrets(0)]
        out["num"] = conn.numOfSecrets()
        out["legacy"] = conn.listSecrets()
        out["lookup"] = err(conn.secretLookupByUUIDString, {s.UUIDString()!r})
        out["define"] = err(conn.secretDefineXML, {SECRET.format(u=uuid.uuid4(), n="b")!r}, 0)
        """
        got = py_as(env, "B", body)
        assert got["list"] == [] and got["num"] == 0 and got["legacy"] == []
        for k in ("lookup", "define"):
            assert got[k][0] == DENIED, got[k]
            assert "'secret' denied access" in got[k][1], got[k]
        got = py_as(env, "A", body + """
        mine = conn.secretDefineXML(%r, 0)
        mine.setValue(b"v")
        out["value"] = mine.value().decode()
        mine.undefine()
        """ % SECRET.format(u=uuid.uuid4(), n="a"))
        assert got["list"] == [s.UUIDString()] and got["num"] == 1
        assert got["lookup"] is None and got["value"] == "v"
        assert got["define"] is None  # A manages p1
        assert len(env.conn.listAllSecrets(0)) == 2
    finally:
        for x in env.conn.listAllSecrets(0):
            x.undefine()


def test_source_discovery_needs_a_manager(env):
    body = """
    out["e"] = err(conn.findStoragePoolSources, "fs",
                   "<source><device path='/dev/null'/></source>", 0)
    """
    got = py_as(env, "B", body)
    assert got["e"][0] == DENIED, got
    got = py_as(env, "A", body)
    assert got["e"] is None or got["e"][0] != DENIED, got


# --- jobs (vstor's own program, spoken raw) ---------------------------------------------------


JOBS = """\
import json, socket, struct, sys
VSTOR, REMOTE = 0x76737472, 0x20008086
def xstr(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\\0" * (-len(b) % 4)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
serial = 0
def rpc(prog, proc, body):
    global serial
    serial += 1
    s.sendall(struct.pack(">IIIiIII", 28 + len(body), prog, 1, proc, 0, serial, 0) + body)
    n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
    rest = s.recv(n - 4, socket.MSG_WAITALL)
    return struct.unpack(">IIiIII", rest[:24])[5], rest[24:]
def string(b, o):
    n = struct.unpack(">I", b[o:o + 4])[0]
    return b[o + 4:o + 4 + n].decode(), o + 4 + n + (-n % 4)
def jobs(pool=None):
    arg = struct.pack(">I", 0) if pool is None else (
        struct.pack(">I", 1) + xstr(pool[0]) + bytes.fromhex(pool[1]))
    status, b = rpc(VSTOR, 1, arg + struct.pack(">I", 0))
    if status:
        return ["error", struct.unpack(">i", b[:4])[0]]
    n, o, found = struct.unpack(">I", b[:4])[0], 4, []
    for _ in range(n):
        jid = struct.unpack(">Q", b[o:o + 8])[0]
        kind, o = string(b, o + 8)
        pool_name, o = string(b, o)
        if struct.unpack(">I", b[o:o + 4])[0]:
            vol, o = string(b, o + 4)
        else:
            o += 4
        o += 16
        found.append([jid, pool_name])
    return found
def cancel(jid):
    status, b = rpc(VSTOR, 2, struct.pack(">QI", jid, 0))
    return struct.unpack(">i", b[:4])[0] if status else 0
assert rpc(REMOTE, 1, struct.pack(">I", 1) + xstr("vstor:///system") + struct.pack(">I", 0))[0] == 0
out = {"all": jobs()}
for arg in sys.argv[2:]:
    op, _, val = arg.partition("=")
    if op == "pool":
        name, _, u = val.partition(":")
        out[arg] = jobs((name, u))
    elif op == "cancel":
        out[arg] = cancel(int(val))
print(json.dumps(out))
"""


def jobs_as(env, who, *args):
    r = run_as(env, who, ["/usr/bin/python3", "-c", JOBS, str(env.d.sock), *args])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_jobs_only_for_visible_pools(env):
    streams = []
    try:
        # Two uploads that wait for data: jobs in p4 (hidden from B) and p1.
        for name in ("p4", "p1"):
            st = env.conn.newStream(0)
            env.pools[name].storageVolLookupByName("v1").upload(st, 0, MIB, 0)
            st.send(b"\0" * 4096)
            streams.append(st)
        root = jobs_as(env, "root")["all"]
        assert sorted(p for _, p in root) == ["p1", "p4"], root
        ids = {p: j for j, p in root}
        uuid_hex = {n: env.pools[n].UUIDString().replace("-", "") for n in ("p1", "p4")}
        # A visible name with a hidden pool's uuid is the hidden pool: the driver goes by uuid.
        spoof = f"pool=p1:{uuid_hex['p4']}"
        got = jobs_as(env, "B", f"pool=p4:{uuid_hex['p4']}", spoof, f"pool=p1:{uuid_hex['p1']}",
                      f"cancel={ids['p4']}")
        assert got["all"] == [[ids["p1"], "p1"]], got
        assert got[f"pool=p4:{uuid_hex['p4']}"] == ["error", NO_POOL]
        assert got[spoof] == ["error", NO_POOL]
        assert got[f"pool=p1:{uuid_hex['p1']}"] == [[ids["p1"], "p1"]]
        assert got[f"cancel={ids['p4']}"] == 8  # VIR_ERR_INVALID_ARG: "no running job"
        got = jobs_as(env, "C", f"pool=p1:{uuid_hex['p1']}")
        assert got["all"] == [] and got[f"pool=p1:{uuid_hex['p1']}"] == ["error", NO_POOL]
        # D sees no pool: nothing; A may cancel the job in the pool it manages.
        assert jobs_as(env, "D")["all"] == []
        assert jobs_as(env, "A", f"cancel={ids['p1']}")[f"cancel={ids['p1']}"] == 0
        # The upload learns of it at its next write.
        with pytest.raises(libvirt.libvirtError, match="cancel|abort"):
            deadline = time.time() + 20
            while time.time() < deadline:
                streams[1].send(b"\0" * 4096)
                time.sleep(0.05)
        streams.pop()
        assert [p for _, p in jobs_as(env, "root")["all"]] == ["p4"]
    finally:
        for st in streams:
            try:
                st.abort()
            except libvirt.libvirtError:
                pass


# --- reload ---------------------------------------------------------------------------------


def test_sighup_applies_new_rules(env):
    def reload(text):
        n = env.d.text().count("reload: done")
        env.conf.write_text(text)
        env.d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while env.d.text().count("reload: done") == n and time.time() < deadline:
            time.sleep(0.05)
        assert env.d.text().count("reload: done") == n + 1

    assert py_as(env, "D", LISTINGS)["all"] == []
    try:
        reload(rules_text(env.users, f"\n[pool:p4]\nsee = user:{env.users['D']}\n"))
        assert "reload: pool access rules: 4 -> 5 section(s)" in env.d.text()
        assert py_as(env, "D", LISTINGS)["all"] == ["p4"]
    finally:
        reload(rules_text(env.users))
    assert py_as(env, "D", LISTINGS)["all"] == []
    assert "pool access rules: 4 section(s)" in env.d.text()
