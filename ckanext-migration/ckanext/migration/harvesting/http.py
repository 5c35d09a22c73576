"""Safe HTTP for harvesters: http(s) only, no private addresses, timeouts, size limits.

Every request goes through ``GuardedAdapter`` (also mounted on ckanext-dcat's session by
the plugin's ``update_session``): each address, redirects included, is checked and the
connection goes to the address that was checked (no second DNS look-up a rebinding DNS
server could answer differently); 429/503 answers are retried with backoff, honouring
Retry-After; an answer, headers and body, must arrive whole within a total deadline
(each read from the socket waits at most until then: a source trickling its headers a
byte at a time, or never answering, is cut off too, ckanext-dcat's requests included).
"""
from __future__ import annotations

import contextvars
import http.client
import io
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from requests.utils import select_proxy
from urllib3.util.retry import Retry

import ckan.plugins.toolkit as tk

USER_AGENT = "ckanext-migration-harvester/0.1 (+https://github.com/ckanext-migration)"
MAX_REDIRECTS = 5
RETRIES = 2  # after the first answer: a source that is busy gets two more tries
BACKOFF = 0.5  # seconds, doubling; a Retry-After from the source takes precedence
MAX_RETRY_AFTER = 30  # a longer Retry-After is not waited for (capped)


class FetchError(Exception):
    """A source could not be read; the message says what and what to do."""


class RefusedAddress(requests.exceptions.ConnectionError, FetchError):
    """The guard refused an address; a ``requests`` error too, so that ckanext-dcat's
    harvester reports it as a gather error like any source it cannot reach."""


def _settings():
    return {
        "allow_private": tk.asbool(tk.config.get(
            "ckanext.migration.harvest.allow_private_addresses")),
        "timeout": float(tk.config.get("ckanext.migration.harvest.timeout")),
        "deadline": float(tk.config.get("ckanext.migration.harvest.deadline")),
        "max_bytes": int(tk.config.get("ckanext.migration.harvest.max_bytes")),
    }


class _Retry(Retry):
    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def retry_policy() -> Retry:
    return _Retry(total=RETRIES, connect=RETRIES, read=False, redirect=0, other=0,
                  status=RETRIES, status_forcelist=(429, 503), allowed_methods=("GET", "HEAD"),
                  backoff_factor=BACKOFF, backoff_max=MAX_RETRY_AFTER,
                  respect_retry_after_header=True, raise_on_status=False,
                  raise_on_redirect=False)


# when the answer being read must be whole (time.monotonic()); set by GuardedAdapter.send
_DEADLINE: contextvars.ContextVar = contextvars.ContextVar("harvest_deadline", default=None)


class _DeadlineReads(io.RawIOBase):
    """A response's socket reads, each waiting at most until the deadline (a read
    timeout alone restarts with every byte a trickling source sends)."""

    def __init__(self, raw, sock, deadline: float):
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline
        self._timeout = sock.gettimeout()  # the read timeout urllib3 set

    def readable(self):
        return True

    def readinto(self, buffer):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("the deadline passed")
        self._sock.settimeout(remaining if self._timeout is None
                              else min(self._timeout, remaining))
        return self._raw.readinto(buffer)

    def close(self):
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading status line, headers and body by the deadline."""

    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        deadline = _DEADLINE.get()
        if deadline is not None and isinstance(getattr(self.fp, "raw", None),
                                               socket.SocketIO):
            # detach: the socket stays open while the response reads it (its io ref)
            self.fp = io.BufferedReader(_DeadlineReads(self.fp.detach(), sock, deadline))


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class GuardedAdapter(HTTPAdapter):
    """Checks every URL it is sent (each redirect too), connects to the checked IP, and
    gives each answer a timeout (requests has none by default) and a total deadline."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        settings = _settings()
        deadline = _DEADLINE.get() or time.monotonic() + settings["deadline"]
        token = _DEADLINE.set(deadline)
        try:
            return super().send(request, stream=stream, verify=verify, cert=cert,
                                proxies=proxies, timeout=settings["timeout"]
                                if timeout is None else timeout)
        finally:
            _DEADLINE.reset(token)

    def __init__(self, allow_private: bool | None = None):
        self.allow_private = allow_private
        super().__init__(max_retries=retry_policy())

    def _allow_private(self) -> bool:
        if self.allow_private is None:
            return _settings()["allow_private"]
        return self.allow_private

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        allow_private = self._allow_private()
        if select_proxy(request.url, proxies):
            # the proxy resolves the name: what we can check is the address asked for
            check_url(request.url, allow_private)
            return _with_deadline(super().get_connection_with_tls_context(
                request, verify, proxies, cert))
        address = checked_address(request.url, allow_private)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, verify, cert)
        if host_params["scheme"] == "https":
            # TLS still names (SNI) and verifies the host, not the address
            pool_kwargs["server_hostname"] = host_params["host"]
            pool_kwargs["assert_hostname"] = host_params["host"]
        return _with_deadline(self.poolmanager.connection_from_host(
            host=address, port=host_params["port"], scheme=host_params["scheme"],
            pool_kwargs=pool_kwargs))

    def add_headers(self, request, **kwargs):
        # the connection is to an address: the Host header names the host asked for
        if "Host" not in request.headers:
            request.headers["Host"] = urlparse(request.url).netloc.rsplit("@", 1)[-1]


def _with_deadline(pool):
    """A connection pool whose connections read answers by the deadline."""
    pool.ConnectionCls = _HTTPSConnection if pool.scheme == "https" else _HTTPConnection
    return pool


def mount_guard(session: requests.Session, allow_private: bool | None = None):
    """Send every http(s) request of ``session`` through the guard; the session."""
    adapter = GuardedAdapter(allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def check_url(url: str, allow_private: bool = False) -> None:
    """Refuse what a harvest source may not point at."""
    _addresses(url, allow_private)


def checked_address(url: str, allow_private: bool = False) -> str:
    """The address to connect to for url, checked like ``check_url``."""
    addresses = _addresses(url, allow_private)
    if not addresses:
        raise RefusedAddress("could not fetch %s: its host name does not resolve" % url)
    return addresses[0]


def _addresses(url: str, allow_private: bool) -> list:
    """Every address url's host resolves to, each checked (RefusedAddress)."""
    try:
        return _resolve_and_check(url, allow_private)
    except RefusedAddress:
        raise
    except FetchError as e:
        raise RefusedAddress(str(e))


def _check_form(url: str):
    """url's parts, if it is an http(s) URL with a host and a valid port (FetchError)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise FetchError("only http(s) URLs can be harvested, not %r" % url)
    if not parsed.hostname:
        raise FetchError("URL has no host: %r" % url)
    try:
        port = parsed.port
    except ValueError as e:
        raise FetchError("invalid URL %r: %s" % (url, e))
    return parsed, port


def _resolve_and_check(url: str, allow_private: bool) -> list:
    parsed, port = _check_form(url)
    host = parsed.hostname.rstrip(".")  # "localhost." is localhost
    if (host == "localhost" or host.endswith(".localhost")) and not allow_private:
        raise FetchError("refusing to fetch %s: loopback address (set "
                         "ckanext.migration.harvest.allow_private_addresses to allow)" % url)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = []
    try:
        default_port = 443 if parsed.scheme == "https" else 80
        for info in socket.getaddrinfo(host, port or default_port, type=socket.SOCK_STREAM):
            if info[4][0] not in addresses:
                addresses.append(info[4][0])
    except (socket.gaierror, UnicodeError):
        # not resolvable here: checked_address refuses it (recorded answers need no DNS)
        pass
    if allow_private:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        # not is_global also covers the shared 100.64.0.0/10 range (carrier-grade NAT,
        # some clouds' metadata service), which is neither private nor public
        if not ip.is_global or ip.is_loopback or ip.is_private or ip.is_link_local \
                or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise FetchError("refusing to fetch %s: %s is a private, loopback or link-local "
                             "address (set ckanext.migration.harvest.allow_private_addresses "
                             "to allow)" % (url, address))
    return addresses


def _get(session, url: str, params, headers: dict, settings: dict, deadline: float):
    """An open response for url after redirects, each hop checked like the first."""
    for _ in range(MAX_REDIRECTS + 1):
        # the scheme here; the session's GuardedAdapter checks each address (and
        # connects to the one it checked: a second look-up could answer differently)
        _check_form(url)
        try:
            response = session.get(url, params=params, headers=headers,
                                   timeout=settings["timeout"], stream=True,
                                   allow_redirects=False)
        except FetchError:
            raise
        except requests.exceptions.RetryError as e:
            raise FetchError("%s is still busy after %d tries: %s" % (url, RETRIES + 1, e))
        except requests.RequestException as e:
            if time.monotonic() >= deadline - 0.05:
                raise FetchError("%s did not answer within the %gs deadline "
                                 "(ckanext.migration.harvest.deadline)"
                                 % (url, settings["deadline"]))
            if isinstance(e, requests.Timeout):
                raise FetchError("timed out after %ss fetching %s" % (settings["timeout"], url))
            raise FetchError("could not fetch %s: %s" % (url, e))
        if response.is_redirect:
            response.close()
            url = urljoin(url, response.headers["Location"])
            params = None
            continue
        return response, url
    raise FetchError("too many redirects fetching %s" % url)


def fetch(url: str, params: dict | None = None, headers: dict | None = None) -> bytes:
    """GET a URL within the configured timeout and size limit, checking each redirect."""
    body = io.BytesIO()
    fetch_to_file(url, body, _settings()["max_bytes"], headers, params)
    return body.getvalue()


def fetch_to_file(url: str, out, max_bytes: int, headers: dict | None = None,
                  params: dict | None = None) -> int:
    """Stream a URL into the binary file ``out`` (same guards as ``fetch``); its size."""
    settings = _settings()
    request_headers = {"User-Agent": USER_AGENT}
    request_headers.update(headers or {})
    deadline = time.monotonic() + settings["deadline"]
    token = _DEADLINE.set(deadline)  # one deadline for the redirects, headers and body
    try:
        with mount_guard(requests.Session(), settings["allow_private"]) as session:
            response, url = _get(session, url, params, request_headers, settings, deadline)
            with response:  # the connection is closed whatever happens below
                return copy_body(response, url, out, max_bytes, deadline)
    finally:
        _DEADLINE.reset(token)


def copy_body(response, url: str, out, max_bytes: int, deadline: float | None = None) -> int:
    """Write a response's body into the binary file ``out``; its size. FetchError on an
    HTTP error status, a body over ``max_bytes`` (declared or streamed), a body not
    whole by ``deadline`` (``time.monotonic()``; default: the configured deadline from
    now) or a broken read."""
    if response.status_code >= 400:
        raise FetchError("%s answered HTTP %d" % (url, response.status_code))
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("%s is %s bytes, over the %d byte limit" % (url, declared, max_bytes))
    settings = _settings()
    if deadline is None:
        deadline = time.monotonic() + settings["deadline"]
    size = 0
    try:
        for chunk in _chunks(response, deadline, settings["timeout"]):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("%s is over the %d byte limit" % (url, max_bytes))
            out.write(chunk)
    except _DeadlinePassed:
        raise FetchError("%s sent %d bytes but not the whole answer within the %gs deadline "
                         "(ckanext.migration.harvest.deadline)"
                         % (url, size, settings["deadline"]))
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        raise FetchError("could not read %s: %s" % (url, e))
    return size


class _DeadlinePassed(Exception):
    pass


def _chunks(response, deadline: float, timeout: float):
    """The body as it arrives, each read returning what one receive got (``read1``), so
    that a source sending a byte at a time cannot hold a read past the deadline."""
    raw = response.raw
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassed()
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(min(timeout, remaining))
        try:
            chunk = raw.read1(65536, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, socket.timeout):
            if deadline - time.monotonic() <= 0.05:
                raise _DeadlinePassed()
            raise
        if not chunk:  # read1 answers nothing only at the end of the body
            return
        yield chunk
