#!/usr/bin/python3
"""guide_storage_pools.py: the walk-through of libvirt's Python guide, chapter "Storage Pools",
as one script: listing pools (each flag), pool info, define/create/undefine, discovering a
pool's details from its XMLDesc, autostart, volume listing and info, create, clone with
createXMLFrom, wipe and delete. It takes only a URI and a scratch directory, prints what it
sees as a transcript, and is run unchanged against vstord and against libvirtd.

usage: guide_storage_pools.py URI WORKDIR
"""
import os
import sys
from xml.dom import minidom

import libvirt

LIST_FLAGS = [
    ("ACTIVE", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE),
    ("INACTIVE", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE),
    ("PERSISTENT", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT),
    ("TRANSIENT", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT),
    ("AUTOSTART", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART),
    ("NO_AUTOSTART", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART),
    ("DIR", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_DIR),
    ("FS", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_FS),
    ("NETFS", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_NETFS),
    ("LOGICAL", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL),
    ("DISK", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_DISK),
    ("ISCSI", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI),
    ("SCSI", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_SCSI),
    ("MPATH", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_MPATH),
    ("RBD", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_RBD),
    ("SHEEPDOG", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG),
    ("GLUSTER", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER),
    ("ZFS", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ZFS),
    ("VSTORAGE", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE),
    ("ISCSI_DIRECT", libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT),
]

POOL_XML = """<pool type='dir'>
  <name>{name}</name>
  <target>
    <path>{path}</path>
  </target>
</pool>"""

# The guide's volume: a sparse raw file with explicit permissions (smaller than its 2 GiB: a
# wipe writes every byte on libvirtd).
VOL_XML = """<volume>
  <name>sparse.img</name>
  <allocation>0</allocation>
  <capacity unit="M">512</capacity>
  <target>
    <path>{path}</path>
    <permissions>
      <owner>107</owner>
      <group>107</group>
      <mode>0744</mode>
    </permissions>
  </target>
</volume>"""

CLONE_XML = """<volume>
  <name>sparse-clone.img</name>
  <allocation>0</allocation>
  <capacity unit="M">512</capacity>
  <target>
    <path>{path}</path>
  </target>
</volume>"""


def say(*parts):
    print(*parts, flush=True)


def pool_names(conn, flags=0):
    return sorted(p.name() for p in conn.listAllStoragePools(flags))


def listing(conn):
    say("active:", sorted(conn.listStoragePools()))
    say("defined:", sorted(conn.listDefinedStoragePools()))
    say("numOf:", conn.numOfStoragePools(), conn.numOfDefinedStoragePools())
    for label, flag in LIST_FLAGS:
        say(f"listAll {label}:", pool_names(conn, flag))


def pool_details(pool):
    """Pool usage: info() and the simple getters."""
    state, capacity, allocation, available = pool.info()
    say("info:", pool.name(), "state", state, "sizes positive",
        capacity > 0 and allocation >= 0 and available >= 0, "capacity covers allocation",
        capacity >= allocation)
    say("uuid matches lookup:", pool.connect().storagePoolLookupByUUIDString(
        pool.UUIDString()).name() == pool.name())
    say("autostart", pool.autostart(), "active", pool.isActive(), "persistent",
        pool.isPersistent())
    if pool.isActive():
        say("volumes:", pool.numOfVolumes())


def discover_from_xml(pool, work):
    """The guide reads a pool's type, name and target path back out of its XMLDesc."""
    doc = minidom.parseString(pool.XMLDesc(0))
    root = doc.documentElement
    name = root.getElementsByTagName("name")[0].firstChild.data
    path = root.getElementsByTagName("target")[0].getElementsByTagName("path")[0].firstChild.data
    say("xml:", root.getAttribute("type"), name, os.path.relpath(path, work))
    for tag in ("capacity", "allocation", "available"):
        unit = root.getElementsByTagName(tag)[0].getAttribute("unit")
        say(f"xml {tag} unit:", unit)
    inactive = minidom.parseString(pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
    say("inactive xml has capacity:", bool(inactive.getElementsByTagName("capacity")))


def lifecycle(conn, work):
    """Define, build, start, autostart on and off, a transient create, stop and undefine."""
    path = os.path.join(work, "guide-pool")
    pool = conn.storagePoolDefineXML(POOL_XML.format(name="guide-pool", path=path), 0)
    say("defined:", pool.name(), pool.isActive(), pool.isPersistent())
    pool.build(libvirt.VIR_STORAGE_POOL_BUILD_NEW)
    say("built dir exists:", os.path.isdir(path))
    pool.create(0)
    say("started:", pool.isActive())
    pool.setAutostart(1)
    say("autostart on:", pool.autostart(), pool_names(conn,
                                                      libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART))
    pool.setAutostart(0)
    say("autostart off:", pool.autostart())

    tpath = os.path.join(work, "guide-transient")
    os.makedirs(tpath, exist_ok=True)
    transient = conn.storagePoolCreateXML(POOL_XML.format(name="guide-transient", path=tpath), 0)
    say("transient:", transient.isActive(), transient.isPersistent())
    listing(conn)
    pool_details(pool)
    pool_details(transient)
    discover_from_xml(pool, work)
    transient.destroy()
    try:
        conn.storagePoolLookupByName("guide-transient")
        say("transient still there after destroy")
    except libvirt.libvirtError as e:
        say("transient gone:", e.get_error_code())
    return pool


def volumes(pool, work):
    """Volume overview, create, info, clone with createXMLFrom, wipe and delete."""
    target = os.path.join(work, "guide-pool")
    vol = pool.createXML(VOL_XML.format(path=os.path.join(target, "sparse.img")), 0)
    say("created:", vol.name(), os.path.relpath(vol.path(), work), vol.key() == vol.path())
    vtype, capacity, allocation = vol.info()
    say("vol info:", vtype, capacity, "allocated less than capacity", allocation < capacity)
    st = os.stat(vol.path())
    say("perms:", oct(st.st_mode & 0o777), st.st_uid, st.st_gid)
    with open(vol.path(), "r+b") as f:
        f.write(b"guide data\n")

    clone = pool.createXMLFrom(CLONE_XML.format(path=os.path.join(target, "sparse-clone.img")),
                               vol, 0)
    with open(clone.path(), "rb") as f:
        say("clone head:", f.read(11))
    say("clone info:", clone.info()[1])

    pool.refresh(0)
    say("listVolumes:", sorted(pool.listVolumes()))
    say("listAllVolumes:", sorted(v.name() for v in pool.listAllVolumes(0)))
    for name in sorted(pool.listVolumes()):
        v = pool.storageVolLookupByName(name)
        say("  ", name, v.info()[1], v.storagePoolLookupByVolume().name())

    vol.wipe(0)
    with open(vol.path(), "rb") as f:
        say("wiped head zero:", f.read(11) == b"\0" * 11)
    vol.delete(0)
    clone.delete(0)
    say("after delete:", sorted(pool.listVolumes()))
    try:
        pool.storageVolLookupByName("sparse.img")
    except libvirt.libvirtError as e:
        say("deleted volume lookup:", e.get_error_code(), e.get_error_domain())


def teardown(pool, conn):
    pool.destroy()
    say("stopped:", pool.isActive())
    pool.delete(0)
    pool.undefine()
    say("after undefine:", pool_names(conn, 0))


def main():
    uri, work = sys.argv[1], sys.argv[2]
    conn = libvirt.open(uri)
    say("pools at start:", pool_names(conn, 0))
    pool = lifecycle(conn, work)
    volumes(pool, work)
    teardown(pool, conn)
    conn.close()
    say("done")


if __name__ == "__main__":
    main()
