"""Run one call in a forked child process under a wall-clock limit, so slow work is really stopped.

The child is forked from the caller (it sees the caller's memory copy-on-write), runs the call,
sends the return value back over a pipe and exits. If no answer comes within ``timeout`` seconds
the child is killed with SIGKILL; a child that dies (a crash, the kernel's OOM killer) is reported
too. The child also dies with its parent (Linux ``PR_SET_PDEATHSIG``). The call should catch its
own expected errors and return them as values: an exception it raises comes back only as text.
The child is sealed like a query process: no network connection, and an optional memory cap.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable
from multiprocessing import Pipe
from typing import Any, TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1


class IsolatedError(RuntimeError):
    """The call did not return a value."""


class IsolatedTimeout(IsolatedError):
    """The call ran longer than its limit and its process was killed."""


class IsolatedFailed(IsolatedError):
    """The call raised, or its process died."""


def child_setup() -> None:
    """In a forked child: default signal handling (not the server's), Ctrl-C ignored, and death
    with the parent (Linux ``PR_SET_PDEATHSIG``)."""
    for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGWINCH, signal.SIGABRT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the child still ends when its pipe closes or it is killed
        pass


def close_inherited_sockets(keep: int) -> None:
    """In a forked child: close every socket it inherited but ``keep`` (its pipe to the parent).

    A fork copies the parent's descriptors: the listening socket, clients' connections, the pipes
    to the other children. A copy held open here would keep a client's connection open after the
    server closed it (the client never sees the end of its answer) and a sibling's pipe alive after
    that sibling died.
    """
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd == keep:
            continue
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                os.close(fd)
        except OSError:  # the descriptor of the listing itself, already closed
            pass


def run_isolated(call: Callable[..., T], *args: Any, timeout: float, memory_mb: int = 0) -> T:
    """``call(*args)`` in a child process; IsolatedTimeout after ``timeout`` seconds.

    The child cannot open a network connection (``engine.sandbox.seal_network``) and may grow by
    at most ``memory_mb`` megabytes (0: no cap); past it the call fails with MemoryError.
    """
    reader, writer = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            reader.close()
            child_setup()
            close_inherited_sockets(writer.fileno())
            try:
                from kzct.engine import sandbox

                sandbox.seal_network()
                sandbox.limit_memory(memory_mb)
                reply: tuple = ("ok", call(*args))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent as text
                reply = ("error", f"{type(exc).__name__}: {exc}")
            writer.send(reply)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    writer.close()
    try:
        try:
            ready = reader.poll(timeout)
        except (OSError, EOFError):
            ready = True
        if not ready:
            raise IsolatedTimeout(f"stopped after {timeout:g} s")
        try:
            reply = reader.recv()
        except (EOFError, OSError):
            raise IsolatedFailed("the worker process died") from None
    finally:
        reader.close()
        _kill(pid)
    if reply[0] == "ok":
        return reply[1]
    raise IsolatedFailed(reply[1])


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
