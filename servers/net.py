"""Listening sockets and addresses: bind one with a clear error, say where it is, warn off
loopback."""

from __future__ import annotations

import errno
import ipaddress
import socket

from .names import LOOPBACK


class ServerStartError(RuntimeError):
    """The server did not come up; the message says why."""


def bind_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: a free port), or a clear ServerStartError.

    ``listen=False``: bound, not listening, then given ``SO_REUSEPORT``, so that it holds
    the port for a server whose workers bind the same address with ``SO_REUSEPORT``
    themselves (Granian); connections go to listening sockets only, so all of them go to the
    workers. It is bound before it takes the option, so that a port some program listens on
    (another Granian's workers among them) is refused as in use rather than shared.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, as a socket from getaddrinfo would have: asyncio turns Nagle's
    # algorithm off (TCP_NODELAY) only on connections whose listening socket says TCP.
    # Without it uvicorn's keep-alive answers wait ~40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(128)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"port {port} on {host} is already in use by another program; choose another port, or 0 for a free one"
            ) from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 host in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host``: ``localhost``, an address of 127.0.0.0/8,
    or ``::1`` (in brackets or not). A name is not looked up: any other name is not loopback."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The warning for a server on ``host`` that other machines may reach; None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"listening on {host}, not on loopback: any machine that can reach this one can send "
        "requests, and each may keep its CPUs busy for minutes; use 127.0.0.1 unless you mean it"
    )
