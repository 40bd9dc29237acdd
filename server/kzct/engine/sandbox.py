"""What a query process may not do: open a network connection, or grow past its memory budget.

``seal_network()`` loads a seccomp filter (libseccomp, through the ``pyseccomp`` bindings) into the
calling process: ``socket()`` for any family but ``AF_UNIX`` fails with EACCES, and so do
``connect()`` and ``io_uring_setup()``, for this process and any thread or child it starts, and it
cannot be undone. A query process is sealed right after it is forked, before it reads its first
query, so whatever a parser lets through, the engine cannot make an HTTP call: a SERVICE that
slips past every check fails inside the process with "Permission denied". seccomp needs no
privilege (``PR_SET_NO_NEW_PRIVS`` is set first) and no user or network namespace, which many
containers and CI machines do not allow; it needs Linux and ``libseccomp.so.2`` (Debian's
``libseccomp2``, which apt itself depends on). Without them the query processes refuse to start:
the server never runs unsealed.

``limit_memory(mb)`` sets ``RLIMIT_AS`` to the process's present size plus ``mb`` megabytes, so a
query that builds a huge string or result fails inside its own process (Rust aborts, Python raises
MemoryError) instead of waking the machine's OOM killer.
"""

from __future__ import annotations

import errno
import resource
import socket

MB = 1 << 20


class SandboxError(RuntimeError):
    """The sandbox could not be set up on this machine."""


def _filter():
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # pyseccomp missing, or libseccomp.so.2 not found
        raise SandboxError(f"the network sandbox needs libseccomp (Debian: libseccomp2): {exc}") from exc
    try:
        rules = sc.SyscallFilter(defaction=sc.ALLOW)
        rules.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
        rules.add_rule(sc.ERRNO(errno.EACCES), "connect")
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "io_uring_setup")
    except Exception as exc:
        raise SandboxError(f"the network sandbox could not be built: {exc}") from exc
    return rules


def check() -> None:
    """Raise ``SandboxError`` if the filter cannot be built here (call once before serving)."""
    _filter()


def seal_network() -> None:
    """From now on this process (and its threads and children) cannot open a network socket."""
    rules = _filter()
    try:
        rules.load()
    except Exception as exc:
        raise SandboxError(f"the network sandbox could not be loaded: {exc}") from exc


def present_size() -> int:
    """This process's virtual memory size in bytes (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(mb: int) -> None:
    """Let this process grow by at most ``mb`` megabytes of address space (0: no limit)."""
    if mb <= 0:
        return
    limit = present_size() + mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
