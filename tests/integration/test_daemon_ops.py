"""test_daemon_ops.py: vstord's operational side — the configuration file (errors, socket
group and modes, SIGHUP reload), access by peer credentials, max_clients, keepalive pings,
--daemon with its pid file, systemd socket activation and readiness notification."""
import grp
import os
import pathlib
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import stretch
from test_daemon import call, virsh

KEEPALIVE = 0x6B656570
PROC_SUPPORTS_FEATURE = 60
PROC_AUTH_LIST = 66
FEATURE_KEEPALIVE = 10


@pytest.fixture
def root():
    """A state root other users can traverse (pytest's tmp_path is private to root)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="vstor-ops-", dir="/tmp"))
    d.chmod(0o755)
    (d / "etc").mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def started(start_vstord):
    """started(root, args, ...) starts a vstord; all are stopped at the end and must exit 0
    (under ASan also: with no leak or error report)."""
    return start_vstord


def write_conf(root, text):
    path = root / "etc" / "vstord.conf"
    path.write_text(text)
    return path


def raw_connect(path, timeout=2.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    return s


def recv_message(s):
    """One whole message (header tuple, body), or None when the daemon closed."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    head = exactly(4)
    if head is None:
        return None
    length = struct.unpack(">I", head)[0]
    rest = exactly(length - 4)
    if rest is None:
        return None
    return struct.unpack(">IIiIII", rest[:24]), rest[24:]


def auth_list_works(s, serial=1):
    s.sendall(call(PROC_AUTH_LIST, serial))
    msg = recv_message(s)
    return msg is not None and msg[0][4] == serial and msg[0][5] == 0


# --- options and configuration -------------------------------------------------------------


def test_help_lists_every_option(vstord_bin, run):
    out = run([vstord_bin, "--help"])
    assert out.returncode == 0
    text = out.stdout.decode()
    for opt in ("--root", "--config", "--daemon", "--verbose", "--check", "--version", "--help"):
        assert opt in text, f"{opt} missing from --help"
    assert "SIGHUP" in text and "NOTIFY_SOCKET" in text and "LISTEN_FDS" in text


def test_shipped_default_config_parses(vstord_bin, root, repo_root, started):
    d = started(root, ["--config", repo_root / "data" / "vstord.conf"])
    virsh(d.uri, "pool-list", "--all")
    assert "warning" not in d.text()
    assert oct(os.stat(d.sock).st_mode & 0o777) == "0o600"
    assert oct(os.stat(d.sock_ro).st_mode & 0o777) == "0o666"


BAD_CONFIGS = [
    ("max_clients = many\n", r"vstord.conf:2: max_clients: 'many' is not an integer"),
    ("log_level = 7\n", "vstord.conf:2: log_level: 7 is out of range (1 to 4)"),
    ("unix_sock_group = no-such-group-zz\n",
     "vstord.conf:2: unix_sock_group: no group named 'no-such-group-zz'"),
    ("unix_sock_rw_perms = 0999\n", "vstord.conf:2: unix_sock_rw_perms: '0999' is not an octal"),
    ("log_outputs = 1:syslog:vstord\n", "output 'syslog' is not supported"),
    ("log_outputs = 1:file:relative.log\n", "a log file needs an absolute path"),
    ("keepalive_count = 3\nthis is not a setting\n",
     "vstord.conf:3: expected 'key = value', found 'this is not a setting'"),
]


@pytest.mark.parametrize("text,message", BAD_CONFIGS, ids=[m[:20] for _, m in BAD_CONFIGS])
def test_bad_config_exits_2_without_sockets(vstord_bin, root, run, text, message):
    path = write_conf(root, "[vstord]\n" + text)
    out = run([vstord_bin, "--root", root], timeout=20)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr.decode(), out.stderr
    assert str(path) in out.stderr.decode()
    assert not (root / "run").exists()


def test_missing_explicit_config_exits_2(vstord_bin, root, run):
    out = run([vstord_bin, "--root", root, "--config", root / "nope.conf"], timeout=20)
    assert out.returncode == 2 and "nope.conf" in out.stderr.decode()
    assert not (root / "run").exists()


def test_libvirtd_style_file_and_unknown_key(vstord_bin, root, started):
    # No group header and quoted values, as libvirtd.conf writes them; unknown keys warn.
    write_conf(root, '# old style\nunix_sock_ro_perms = "0644"\naudit_level = 2\n')
    d = started(root)
    assert oct(os.stat(d.sock_ro).st_mode & 0o777) == "0o644"
    # Warnings are logged just after the sockets are made.
    wait_for(lambda: "vstord.conf:3: unknown key 'audit_level' ignored" in d.text(),
             timeout=stretch(10), what="the warning")
    virsh(d.uri, "pool-list")


def test_sighup_reloads_log_level(vstord_bin, root, started):
    conf = write_conf(root, "[vstord]\nlog_level = 2\n")
    d = started(root)
    virsh(d.uri, "pool-list")
    assert "debug:" not in d.text()
    conf.write_text("[vstord]\nlog_level = 1\nmax_clients = 40\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload: done" in d.text(), what="the reload")
    text = d.text()
    assert "reload: log_level 2 -> 1" in text and "reload: max_clients 5000 -> 40" in text
    virsh(d.uri, "pool-list")
    assert "debug: client" in d.text()
    # A broken file on reload keeps the running configuration.
    conf.write_text("[vstord]\nlog_level = nine\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the running configuration" in d.text(), what="the failed reload")
    assert d.proc.poll() is None
    virsh(d.uri, "pool-list")


# --- access ---------------------------------------------------------------------------------


@pytest.fixture
def users():
    """A group and two system users, one in it: (group, member, outsider); removed after."""
    tag = f"{os.getpid() % 100000}"
    group, member, outsider = f"vstg{tag}", f"vstm{tag}", f"vsto{tag}"
    subprocess.run(["groupadd", "-r", group], check=True)
    made = []
    try:
        for name, extra in ((member, ["-G", group]), (outsider, [])):
            subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", *extra, name],
                           check=True)
            made.append(name)
        yield group, member, outsider
    finally:
        for name in made:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)


def virsh_as(user, uri, *args, home):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home),
           "XDG_CONFIG_HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    return subprocess.run(["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in
                                                                 env.items()],
                           "virsh", "-c", uri, *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def home(root):
    h = root / "home"
    h.mkdir()
    h.chmod(0o1777)
    return h


def test_socket_group_and_modes(vstord_bin, root, users, home, started):
    group, member, outsider = users
    write_conf(root, f"[vstord]\nunix_sock_group = {group}\nunix_sock_rw_perms = 0660\n"
                     "unix_sock_ro_perms = 0664\n")
    d = started(root)

    gid = grp.getgrnam(group).gr_gid
    for path, mode in ((d.sock, "0o660"), (d.sock_ro, "0o664")):
        st = os.stat(path)
        assert oct(st.st_mode & 0o777) == mode and st.st_gid == gid
    out = virsh_as(member, d.uri, "pool-list", "--all", home=home)
    assert out.returncode == 0, out.stderr
    # The outsider cannot even connect: the socket's mode keeps it out.
    out = virsh_as(outsider, d.uri, "pool-list", home=home)
    assert out.returncode == 1 and "Permission denied" in out.stderr, out.stderr


def test_rw_socket_checks_peer_credentials(vstord_bin, root, users, home, started):
    group, member, outsider = users
    # A mode that lets everyone connect: the credentials check alone must refuse.
    write_conf(root, f"[vstord]\nunix_sock_group = {group}\nunix_sock_rw_perms = 0666\n")
    d = started(root)
    out = virsh_as(outsider, d.uri, "pool-list", home=home)
    assert out.returncode == 1
    assert "error: failed to connect to the hypervisor" in out.stderr
    assert "access denied: uid" in out.stderr, out.stderr
    assert f"is neither root nor in group '{group}'" in out.stderr, out.stderr
    assert "client on the read-write socket denied" in d.text()
    # A read-only open on that socket, and the read-only socket, are fine.
    out = virsh_as(outsider, d.uri, "-r", "pool-list", home=home)
    assert out.returncode == 0, out.stderr
    out = virsh_as(outsider, d.uri_ro, "pool-list", "--all", home=home)
    assert out.returncode == 0, out.stderr
    out = virsh_as(member, d.uri, "pool-list", "--all", home=home)
    assert out.returncode == 0, out.stderr


def test_access_denied_code_for_python(vstord_bin, root, users, started):
    group, member, outsider = users
    write_conf(root, "[vstord]\nunix_sock_rw_perms = 0666\n")
    d = started(root)
    prog = ("import libvirt, sys\n"
            "try:\n    libvirt.open(sys.argv[1])\nexcept libvirt.libvirtError as e:\n"
            "    print(e.get_error_code())\n")
    out = subprocess.run(["runuser", "-u", outsider, "--", "/usr/bin/python3", "-c", prog,
                          d.uri], capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.strip() == "88", out.stderr


# --- limits and keepalive -------------------------------------------------------------------


def test_max_clients(vstord_bin, root, started):
    write_conf(root, "[vstord]\nmax_clients = 2\n")
    d = started(root)
    a, b = raw_connect(d.sock), raw_connect(d.sock_ro)
    try:
        assert auth_list_works(a) and auth_list_works(b)
        c = raw_connect(d.sock)
        assert c.recv(100) == b"", "the third client was served"
        c.close()
        assert "max_clients (2) reached" in d.text()
    finally:
        a.close()
        b.close()
    # Once the others are gone there is room again.
    wait_for(lambda: virsh(d.uri, "pool-list", check=False).returncode == 0,
             what="a free slot")


def test_keepalive_drops_a_silent_client(vstord_bin, root, started):
    write_conf(root, "[vstord]\nkeepalive_interval = 1\nkeepalive_count = 2\n")
    d = started(root)
    silent, answering = raw_connect(d.sock, timeout=10), raw_connect(d.sock, timeout=10)
    try:
        for s in (silent, answering):
            s.sendall(call(PROC_SUPPORTS_FEATURE, 1, struct.pack(">iI", FEATURE_KEEPALIVE, 0)))
            hdr, body = recv_message(s)
            assert hdr[4] == 1 and hdr[5] == 0 and struct.unpack(">i", body)[0] == 1
        # The answering client replies to every ping for a while and stays.
        until = time.time() + 4.5
        pings = 0
        while time.time() < until:
            answering.settimeout(max(0.1, until - time.time()))
            try:
                msg = recv_message(answering)
            except socket.timeout:
                break
            assert msg is not None, "a client answering pings was dropped"
            if msg[0][0] == KEEPALIVE and msg[0][2] == 1:
                pings += 1
                answering.sendall(call(2, 0, prog=KEEPALIVE, mtype=2))
        assert pings >= 2
        assert auth_list_works(answering, serial=5)
        # The silent one got its pings and was then dropped.
        got = []
        start = time.time()
        while True:
            msg = recv_message(silent)
            if msg is None:
                break
            got.append(msg[0])
        assert [h[:3] for h in got] == [(KEEPALIVE, 1, 1)] * 2, got
        assert time.time() - start < 5
        assert "no answer to 2 keepalive ping(s)" in d.text()
    finally:
        silent.close()
        answering.close()


# --- background, systemd ----------------------------------------------------------------------


def test_daemon_mode_writes_pid_file(vstord_bin, root, run):
    logfile = root / "daemon.log"
    write_conf(root, f"[vstord]\nlog_outputs = 1:file:{logfile}\n")
    out = run([vstord_bin, "--root", root, "--daemon"], timeout=30)
    assert out.returncode == 0, out.stderr
    pidfile = root / "run" / "vstord.pid"
    pid = int(pidfile.read_text())
    try:
        assert os.getsid(pid) == pid, "the daemon is not a session leader"
        uri = f"vstor+unix:///system?socket={root / 'run' / 'vstord-sock'}"
        virsh(uri, "pool-list", "--all")
        assert "listening on" in logfile.read_text()
    finally:
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not pathlib.Path(f"/proc/{pid}").exists(), timeout=20,
                 what="the daemon to stop")
    assert not pidfile.exists()
    assert "stopped" in logfile.read_text()


def test_daemon_mode_reports_a_failed_start(vstord_bin, root, run, started):
    first = started(root)
    out = run([vstord_bin, "--root", root, "--daemon"], timeout=30)
    assert out.returncode == 1 and "cannot start" in out.stderr.decode(), out.stderr
    assert first.proc.poll() is None


LAUNCHER = r"""
import os, socket, sys
fds = []
for path in sys.argv[1:3]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(16)
    fds.append(os.dup2(s.detach(), 20 + len(fds)))  # out of the way of 3 and 4
for target, fd in zip((3, 4), fds):
    os.dup2(fd, target)
    os.set_inheritable(target, True)
    os.close(fd)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="2")
os.execve(sys.argv[3], sys.argv[3:], env)
"""


def test_socket_activation(vstord_bin, root, started):
    act = root / "act"
    act.mkdir()
    rw, ro = act / "rw-sock", act / "rw-sock-ro"
    launcher = root / "launch.py"
    launcher.write_text(LAUNCHER)
    d = started(root, ["--verbose"], launcher=[sys.executable, launcher, rw, ro],
                ready="(socket activation)")
    assert f"listening on {rw} and {ro}" in d.text()
    assert not d.sock.exists(), "vstord bound its own socket under socket activation"
    uri, uri_ro = f"vstor+unix:///system?socket={rw}", f"vstor+unix:///system?socket={ro}"
    target = root / "pool-a"
    virsh(uri, "pool-define-as", "act", "dir", "--target", target)
    assert " act " in virsh(uri_ro, "pool-list", "--all").stdout
    out = virsh(uri_ro, "pool-undefine", "act", check=False)
    assert out.returncode == 1 and "operation forbidden" in out.stderr
    assert d.stop() == 0
    assert rw.exists() and ro.exists(), "sockets systemd made must stay"


def test_notify_socket_gets_ready(vstord_bin, root, started):
    path = root / "notify"
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(str(path))
    ns.settimeout(15)
    try:
        d = started(root, env=dict(os.environ, NOTIFY_SOCKET=str(path)))
        msg = ns.recv(4096).decode()
        assert "READY=1" in msg and f"MAINPID={d.proc.pid}" in msg
        virsh(d.uri, "pool-list")  # ready means serving
        assert d.stop() == 0
        assert "STOPPING=1" in ns.recv(4096).decode()
    finally:
        ns.close()


def test_shipped_units_and_install(repo_root):
    units = repo_root / "data" / "systemd"
    service = (units / "vstord.service").read_text()
    assert "Type=notify" in service and "ExecReload=/bin/kill -HUP $MAINPID" in service
    assert "ListenStream=/run/vstor/vstord-sock\n" in (units / "vstord.socket").read_text()
    assert "ListenStream=/run/vstor/vstord-sock-ro\n" in (units / "vstord-ro.socket").read_text()
