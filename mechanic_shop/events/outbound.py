"""Sending a webhook: only to public addresses (unless WEBHOOK_ALLOW_PRIVATE_URLS), never following a redirect.

A URL's host is resolved and every address it resolves to checked, when the webhook is saved and again at each
delivery (DNS can change); the connection then goes to the address that was checked, so a second lookup cannot
swap in another (DNS rebinding). http.client never follows redirects: a 3xx is an answer that is not 2xx.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5.0


# What a failed connection raises besides OSError (a malformed answer, a connection closed before one).
HTTPException = http.client.HTTPException


class UnsafeURL(ValueError):
    """A URL that is malformed, or whose host resolves to an address webhooks may not reach."""


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http or https URL; UnsafeURL when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Enter an http or https URL with a host.")
    if parts.username or parts.password:
        raise UnsafeURL("A webhook URL cannot hold a user name or password.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> str:
    """The address to connect to for `host`: every address it resolves to must be allowed; UnsafeURL if not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host} cannot be resolved.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise UnsafeURL(f"The host {host} cannot be resolved.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if _refused(ipaddress.ip_address(address.split("%", 1)[0])):
                raise UnsafeURL(
                    f"The host {host} resolves to {address}, a private, loopback, link-local or reserved address: "
                    "webhooks go to public addresses only."
                )
    return addresses[0]


def check_url(url: str) -> None:
    """UnsafeURL unless `url` is an http(s) URL whose host resolves to allowed addresses only."""
    _scheme, host, port, _path = split_url(url)
    resolve(host, port)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> int:
    """POST `body` to `url` and return the answer's status; UnsafeURL or OSError / HTTPException on failure."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    scheme, host, port, path = split_url(url)
    address = resolve(host, port)
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = connection_class(host, port, address, timeout)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": "mechanic-shop-webhooks"},
        )
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
