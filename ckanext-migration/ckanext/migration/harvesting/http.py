"""Safe HTTP for harvesters: http(s) only, no private addresses, timeouts, size limits."""
from __future__ import annotations

import io
import ipaddress
import socket
from urllib.parse import urljoin, urlparse

import requests

import ckan.plugins.toolkit as tk

USER_AGENT = "ckanext-migration-harvester/0.1 (+https://github.com/ckanext-migration)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A source could not be read; the message says what and what to do."""


def _settings():
    return {
        "allow_private": tk.asbool(tk.config.get(
            "ckanext.migration.harvest.allow_private_addresses")),
        "timeout": float(tk.config.get("ckanext.migration.harvest.timeout")),
        "max_bytes": int(tk.config.get("ckanext.migration.harvest.max_bytes")),
    }


def check_url(url: str, allow_private: bool = False) -> None:
    """Refuse what a harvest source may not point at."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise FetchError("only http(s) URLs can be harvested, not %r" % url)
    if not parsed.hostname:
        raise FetchError("URL has no host: %r" % url)
    try:
        port = parsed.port
    except ValueError as e:
        raise FetchError("invalid URL %r: %s" % (url, e))
    if allow_private:
        return
    host = parsed.hostname.rstrip(".")  # "localhost." is localhost
    if host == "localhost" or host.endswith(".localhost"):
        raise FetchError("refusing to fetch %s: loopback address (set "
                         "ckanext.migration.harvest.allow_private_addresses to allow)" % url)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port or 80)}
    except (socket.gaierror, UnicodeError):
        # not resolvable here: the request itself will fail (or is replayed in tests)
        addresses = set()
    try:
        addresses.add(str(ipaddress.ip_address(host)))
    except ValueError:
        pass
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        # not is_global also covers the shared 100.64.0.0/10 range (carrier-grade NAT,
        # some clouds' metadata service), which is neither private nor public
        if not ip.is_global or ip.is_loopback or ip.is_private or ip.is_link_local \
                or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise FetchError("refusing to fetch %s: %s is a private, loopback or link-local "
                             "address (set ckanext.migration.harvest.allow_private_addresses "
                             "to allow)" % (url, address))


def _get(session, url: str, params, headers: dict, settings: dict):
    """An open response for url after redirects, each hop checked like the first."""
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, settings["allow_private"])
        try:
            response = session.get(url, params=params, headers=headers,
                                   timeout=settings["timeout"], stream=True,
                                   allow_redirects=False)
        except requests.Timeout:
            raise FetchError("timed out after %ss fetching %s" % (settings["timeout"], url))
        except requests.RequestException as e:
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
    with requests.Session() as session:
        response, url = _get(session, url, params, request_headers, settings)
        with response:  # the connection is closed whatever happens below
            return copy_body(response, url, out, max_bytes)


def copy_body(response, url: str, out, max_bytes: int) -> int:
    """Write a response's body into the binary file ``out``; its size. FetchError on an
    HTTP error status, a body over ``max_bytes`` (declared or streamed) or a broken read."""
    if response.status_code >= 400:
        raise FetchError("%s answered HTTP %d" % (url, response.status_code))
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("%s is %s bytes, over the %d byte limit" % (url, declared, max_bytes))
    size = 0
    try:
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("%s is over the %d byte limit" % (url, max_bytes))
            out.write(chunk)
    except requests.RequestException as e:
        raise FetchError("could not read %s: %s" % (url, e))
    return size
