"""A submission's own namespaces, made inside the slot's sandbox by a fork of its template process.

`enter` moves the calling process into new user, mount, IPC, network and UTS namespaces, mounts
fresh size-capped tmpfs on every writable place (/tmp, /dev/shm and the working copy), then gives up
every capability and the means to make another user namespace (a seccomp filter), so that the
student's code keeps the limits bubblewrap set for the template. What one submission leaves in
those places, its IPC objects and its keys go with its namespaces; its processes are ended by the
template (autograder.worker.end_earlier_runs) before the next submission starts.
"""

import ctypes
import os
import platform
import re
import struct

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 24, 38, 22
SECCOMP_MODE_FILTER = 2
KEYCTL_JOIN_SESSION_KEYRING = 1
# per architecture: the audit value seccomp sees, and the numbers of unshare, clone, clone3 and keyctl
ARCHITECTURES = {
    "x86_64": (0xC000003E, 272, 56, 435, 250),
    "aarch64": (0xC00000B7, 97, 220, 435, 219),
}

libc = ctypes.CDLL(None, use_errno=True)


class NamespaceError(OSError):
    pass


def check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise NamespaceError(error, f"{what}: {os.strerror(error)}")


def write(path: str, text: str) -> None:
    with open(path, "w") as stream:
        stream.write(text)


def mount_tmpfs(target: str, size: int) -> None:
    options = f"size={size},mode=1777".encode()
    check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {target}")


def seccomp_program(audit_arch: int, unshare: int, clone: int, clone3: int) -> bytes:
    """A classic BPF filter: unshare and clone may not make a user namespace (EPERM); clone3, whose
    flags a filter cannot read, says it does not exist, so that the C library falls back to clone;
    x32's calls fail, and a call of another architecture ends the process."""
    load, jump_eq, jump_ge, jump_set, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys, kill = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x80000000
    program = [
        (load, 0, 0, 4),  # the architecture
        (jump_eq, 1, 0, audit_arch),
        (ret, 0, 0, kill),
        (load, 0, 0, 0),  # the system call's number
        (jump_ge, 6, 0, 0x40000000),  # x32's numbers, past the ones above
        (jump_eq, 0, 1, clone3),
        (ret, 0, 0, enosys),
        (jump_eq, 1, 0, unshare),
        (jump_eq, 0, 3, clone),
        (load, 0, 0, 16),  # the low half of the first argument: the flags
        (jump_set, 0, 1, CLONE_NEWUSER),
        (ret, 0, 0, eperm),
        (ret, 0, 0, allow),
    ]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def forbid_user_namespaces(audit_arch: int, unshare: int, clone: int, clone3: int) -> None:
    program = seccomp_program(audit_arch, unshare, clone, clone3)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # fails past the last one the kernel knows
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), (CapData * 2)()), "capset")


def supported() -> bool:
    return platform.machine() in ARCHITECTURES


def mounts_under(places: list[str]) -> list[str]:
    """The mount points below `places` (a Python installation under /tmp, the font list), outermost first."""
    with open("/proc/self/mountinfo") as stream:
        # the kernel writes a space, tab, newline or backslash in a path as three octal digits
        points = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4]) for line in stream]
    inside = [point for point in points if any(point.startswith(place + "/") for place in places)]
    return sorted(dict.fromkeys(inside), key=lambda point: point.count("/"))


def bind_again(kept: dict[str, int]) -> None:
    """Bind each kept mount (held open by a descriptor) at its place again, above the new tmpfs."""
    for point, fd in kept.items():
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(point, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), exist_ok=True)
            os.close(os.open(point, os.O_CREAT | os.O_WRONLY, 0o444))
        source = f"/proc/self/fd/{fd}".encode()
        check(libc.mount(source, point.encode(), None, MS_BIND | MS_REC, None), f"bind {point}")
        os.close(fd)


def enter(writable: list[str], size: int) -> None:
    """Leave the template's namespaces for new ones, with a fresh tmpfs of `size` bytes on each of
    `writable`: what the student's code wrote there is gone; the read-only mounts under them stay.
    NamespaceError if the system refuses a step: the caller must then not run student code."""
    audit_arch, unshare, clone, clone3, keyctl = ARCHITECTURES[platform.machine()]
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
    check(libc.unshare(flags), "unshare")
    write("/proc/self/setgroups", "deny")
    write("/proc/self/uid_map", f"{uid} {uid} 1")
    write("/proc/self/gid_map", f"{gid} {gid} 1")
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    kept = {point: os.open(point, os.O_PATH) for point in mounts_under(writable)}
    for place in writable:
        mount_tmpfs(place, size)
    bind_again(kept)
    if libc.syscall(keyctl, KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        check(-1, "a new session keyring")
    drop_capabilities()
    forbid_user_namespaces(audit_arch, unshare, clone, clone3)
