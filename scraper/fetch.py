"""Everything that goes over the network: the IND register page and the KvK API.

No other module in the project opens a connection. Every failure surfaces as one `FetchError`
with a message a person understands, so a task or management command has one thing to catch.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict

logger = logging.getLogger(__name__)

TIMEOUT = (5, 30)  # connect, read: with no read timeout a stalled server holds a worker for good
DEFAULT_USER_AGENT = "erkend/0.1 (+https://github.com/erkend)"
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
RETRY_AFTER_CAP = 300.0  # seconds: a server asking for more is not worth holding a worker for
# Only what _read_body() can inflate in bounded steps; requests would also offer br and zstd.
ACCEPT_ENCODING = "gzip, deflate"
CHUNK_BYTES = 64 * 1024  # the most one read of the body asks for
# Followed by hand, each hop checked against the allowed hosts; the IND moved its page once
# (2024 URL -> 2026 URL), so one hop is normal and five is a loop.
MAX_REDIRECTS = 5


class FetchError(Exception):
    """Every failure of a fetch, with a message a person understands.

    `status` is the HTTP status when the server answered, else None (no connection, timeout,
    local file). `retryable` says whether trying again later may help: only when no answer
    came (no connection, a timeout, a connection cut mid-answer) or the server said it was busy
    or broken (408, 429, 5xx). A 400, 403 or 404, a body over the limits, an endless page, a
    host not allowed or a missing file will be the same an hour later.
    """

    status: int | None = None
    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # what was asked for
    final_url: str  # after redirects; for a local file its absolute file:// URL
    status: int  # 200 (or another 2xx), or 304 when not modified
    content: bytes  # b"" on 304
    content_type: str  # media type without parameters, e.g. "text/html"; "" when not sent
    encoding: str | None  # charset from the Content-Type header, if any
    etag: str  # "" when absent; on a 304 without one, the ETag we sent
    last_modified: str  # "" when absent; on a 304 without one, the date we sent
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == HTTPStatus.NOT_MODIFIED

    def text(self) -> str:
        """The content decoded with the declared charset (UTF-8 when none or unknown)."""
        try:
            return self.content.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one response may cost before it is refused (FETCH_* settings).

    The IND page is about 1.5 MB, gzipped far less: 20 MB is room for years of growth, and
    still refuses a gzip bomb or an endless page long before it fills the worker's memory.
    """

    max_bytes: int = 20_000_000  # received, as sent: compressed when the server compresses
    max_decoded_bytes: int = 20_000_000  # after decompression: what a gzip bomb inflates to
    deadline: float = 120.0  # seconds from sending the request to the last byte of the body


@dataclass(frozen=True, slots=True)
class JsonResult:
    status: int  # 2xx, or 404 (not an error for an API lookup)
    data: Any  # the parsed body; None when the body was empty (or not JSON on a 404)
    headers: Mapping[str, str]  # case-insensitive, e.g. headers["api-version"]


_SESSION: tuple[int, requests.Session] | None = None


def _session() -> requests.Session:
    """The process's one pooled session, created on first use.

    Keyed on the process id: a session created before a fork (Celery prefork) would share its
    pooled sockets with the children.
    """
    global _SESSION
    if _SESSION is None or _SESSION[0] != os.getpid():
        session = requests.Session()
        # No urllib3 Retry mounted: _get_with_retries() retries, so the delays are visible to
        # tests and Retry-After is honoured for the KvK API and the IND page alike.
        session.headers.update(
            {
                "User-Agent": str(_setting("FETCH_USER_AGENT", "")) or DEFAULT_USER_AGENT,
                "Accept": ACCEPT_HTML,
                "Accept-Encoding": ACCEPT_ENCODING,
            }
        )
        _SESSION = (os.getpid(), session)
    return _SESSION[1]


def _setting(name: str, default: object) -> object:
    """A Django setting, or `default` when Django is not set up or does not have it."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # fetch works without Django (scripts, a plain Python shell)
        return default
    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:  # no DJANGO_SETTINGS_MODULE and settings.configure() not called
        return default


def _limits() -> Limits:
    """The FETCH_MAX_BYTES, FETCH_MAX_DECODED_BYTES and FETCH_DEADLINE_SECONDS settings."""
    default = Limits()
    return Limits(
        max_bytes=int(str(_setting("FETCH_MAX_BYTES", default.max_bytes))),
        max_decoded_bytes=int(str(_setting("FETCH_MAX_DECODED_BYTES", default.max_decoded_bytes))),
        deadline=float(str(_setting("FETCH_DEADLINE_SECONDS", default.deadline))),
    )


def fetch_page(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    attempts: int = 4,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    limits: Limits | None = None,
    allowed_hosts: Collection[str] | None = None,
) -> FetchResult:
    """Fetch a page over http(s), or read it from a file:// URL or a local path.

    Sends a conditional GET when `etag` or `last_modified` is given; a 304 gives a result with
    `not_modified` set and no content. Connection errors, timeouts, 408, 429 and 5xx are retried
    up to `attempts` times in all, sleeping `backoff * 2**(n-1)` seconds after the n-th attempt,
    or what Retry-After asks (at most 300 s). Raises FetchError for any other failure: another 4xx
    (at once), the last retryable failure, an empty page, a missing file, an unknown scheme,
    and at once a body over the `limits` (the FETCH_* settings when None): too big as sent or
    inflated, or slower than the deadline by `clock`. Redirects are followed (at most five);
    with `allowed_hosts`, the URL and every redirect must pass check_url_host() first.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"}:
        return _fetch_http(
            url,
            etag=etag,
            last_modified=last_modified,
            attempts=attempts,
            backoff=backoff,
            sleep=sleep,
            clock=clock,
            limits=limits or _limits(),
            allowed_hosts=allowed_hosts,
        )
    if scheme == "file":
        if parts.netloc not in {"", "localhost"}:
            raise FetchError(f"cannot read a file on another host: {url}")
        return _read_file(url, Path(url2pathname(parts.path)))
    if scheme == "":
        return _read_file(url, Path(url))
    raise FetchError(
        f"unsupported URL scheme {scheme!r} in {url}: expected http, https, file or a local path"
    )


def fetch_json(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = 4,
    backoff: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
) -> JsonResult:
    """GET a JSON API resource (the KvK API), with the retry policy of fetch_page().

    A 404 is an answer, not a failure ("no such company"): it returns status 404 with the parsed
    body, or None. Any other 4xx (400, 401, 403, ...) raises FetchError with the API's own
    message when the body has one; so does a 2xx body that is not JSON.
    """
    request_headers = {"Accept": "application/json", **(headers or {})}
    response, body, _ = _get(
        url,
        headers=request_headers,
        params=params,
        attempts=attempts,
        backoff=backoff,
        sleep=sleep,
        clock=clock,
        limits=_limits(),
        allowed_hosts=None,
    )
    status = response.status_code
    if status == HTTPStatus.NOT_FOUND:
        try:
            data = _json_body(body)
        except ValueError:  # a gateway's HTML 404 page: still "not found"
            data = None
        return JsonResult(status=status, data=data, headers=CaseInsensitiveDict(response.headers))
    if not 200 <= status < 300:
        try:
            detail = _api_message(_json_body(body))
        except ValueError:
            detail = ""
        message = f"{_host(url)} answered {_status_text(response)} for {url}"
        raise FetchError(f"{message}: {detail}" if detail else message, status=status)
    try:
        data = _json_body(body)
    except ValueError as error:
        message = f"{_host(url)} returned invalid JSON for {url}: {error}"
        raise FetchError(message, status=status) from None
    return JsonResult(status=status, data=data, headers=CaseInsensitiveDict(response.headers))


def _fetch_http(
    url: str,
    *,
    etag: str,
    last_modified: str,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    limits: Limits,
    allowed_hosts: Collection[str] | None,
) -> FetchResult:
    conditional = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    headers = {name: value for name, value in conditional.items() if value}
    response, body, attempt = _get(
        url,
        headers=headers,
        params=None,
        attempts=attempts,
        backoff=backoff,
        sleep=sleep,
        clock=clock,
        limits=limits,
        allowed_hosts=allowed_hosts,
    )
    status = response.status_code
    if status == HTTPStatus.NOT_MODIFIED:
        return FetchResult(
            url=url,
            final_url=response.url,
            status=status,
            content=b"",
            content_type="",
            encoding=None,
            etag=response.headers.get("ETag", etag),
            last_modified=response.headers.get("Last-Modified", last_modified),
            attempts=attempt,
        )
    if not 200 <= status < 300:
        raise FetchError(f"{_host(url)} answered {_status_text(response)} for {url}", status=status)
    if not body:
        raise FetchError(f"{url} returned an empty page", status=status)
    content_type, encoding = _parse_content_type(response.headers.get("Content-Type", ""))
    return FetchResult(
        url=url,
        final_url=response.url,
        status=status,
        content=body,
        content_type=content_type,
        encoding=encoding,
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
        attempts=attempt,
    )


def _read_file(url: str, path: Path) -> FetchResult:
    """A saved page read from disk: for re-parsing an archived edition and for local runs."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise FetchError(f"file not found: {path}") from None
    except OSError as error:  # a directory, no permission
        raise FetchError(f"could not read {path}: {error.strerror or error}") from None
    if not content:
        raise FetchError(f"empty file: {path}")
    return FetchResult(
        url=url,
        final_url=path.absolute().as_uri(),
        status=200,
        content=content,
        content_type="text/csv" if path.suffix.lower() == ".csv" else "text/html",
        encoding=None,
        etag="",
        last_modified="",
        attempts=1,
    )


def check_url_host(url: str, *, allowed_hosts: Collection[str]) -> None:
    """Raise FetchError unless `url` is http(s) on a host that `allowed_hosts` admits.

    An entry admits its own name and every name under it: "ind.nl" admits www.ind.nl. An
    address that is not public (loopback, private, link-local, ...) and a localhost name are
    admitted only when listed exactly as written, so the register URL, or a redirect from it,
    cannot reach this machine or its network unless an operator says so (REGISTER_URL_HOSTS).
    Names are not resolved: an allowed domain's DNS is its owner's, the IND's.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(f"{url} is not an http or https URL")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(f"{url} names no host")
    entries = {entry.strip().rstrip(".").lower() for entry in allowed_hosts if entry.strip()}
    if host in entries:
        return
    listed = ", ".join(sorted(entries)) or "nothing"
    if _is_local(host):
        raise FetchError(
            f"{host} in {url} is a loopback or private address, allowed only when "
            f"REGISTER_URL_HOSTS lists it (it lists {listed})"
        )
    domains = [entry for entry in entries if not _is_local(entry) and not _is_address(entry)]
    if any(host.endswith(f".{domain}") for domain in domains):
        return
    raise FetchError(f"{host} in {url} is not an allowed host (REGISTER_URL_HOSTS: {listed})")


def _is_local(host: str) -> bool:
    """A localhost name, or an address that is not public."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return _is_address(host) and not ipaddress.ip_address(host).is_global


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _get(
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    limits: Limits,
    allowed_hosts: Collection[str] | None,
) -> tuple[requests.Response, bytes, int]:
    """GET `url` like _get_with_retries(), following redirects by hand.

    requests would follow them itself, reading each redirect's body whole and asking no one
    where it leads; here every hop is checked against `allowed_hosts` (when given) before it
    is asked for. `params` go with the first request only: a Location is a whole URL.
    """
    hop = url
    for _ in range(MAX_REDIRECTS + 1):
        if allowed_hosts is not None:
            check_url_host(hop, allowed_hosts=allowed_hosts)
        response, body, attempt = _get_with_retries(
            hop,
            headers=headers,
            params=params if hop == url else None,
            attempts=attempts,
            backoff=backoff,
            sleep=sleep,
            clock=clock,
            limits=limits,
        )
        if not response.is_redirect:
            return response, body, attempt
        hop = urljoin(response.url, response.headers["Location"])
    raise FetchError(f"{_host(url)} redirected more than {MAX_REDIRECTS} times for {url}")


def _get_with_retries(
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    limits: Limits,
) -> tuple[requests.Response, bytes, int]:
    """GET `url`, retrying connection errors, timeouts, 408, 429 and 5xx.

    Returns the first response that is not retryable (2xx, 3xx, 4xx but 408 and 429), its body (read
    within the Limits) and the number of attempts it took; the caller decides what that status
    means. Raises FetchError when the last attempt fails too, or at once for a request that
    cannot succeed (an invalid URL, a body over the Limits).
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    host = _host(url)
    failure = ""
    status: int | None = None
    for attempt in range(1, attempts + 1):
        delay = backoff * 2 ** (attempt - 1)
        started = clock()
        try:
            response = _session().get(
                url,
                headers=headers,
                params=params,
                timeout=TIMEOUT,
                stream=True,
                allow_redirects=False,  # _get() follows them, checking each
            )
            if not _is_retryable(response.status_code):
                body = _read_body(response, url=url, limits=limits, started=started, clock=clock)
        except requests.ConnectTimeout:  # before ConnectionError: it is one of those too
            failure, status = f"could not connect to {host} within {TIMEOUT[0]} s", None
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
            failure, status = f"{host} did not answer within {TIMEOUT[1]} s", None
        except requests.ConnectionError as error:
            failure = f"could not connect to {host}: {_connection_problem(error)}"
            status = None
        except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError):
            failure, status = f"the connection to {host} broke off mid-answer", None
        except requests.RequestException as error:  # an invalid URL and the like
            raise FetchError(f"could not fetch {url}: {error}") from None
        else:
            status = response.status_code
            if not _is_retryable(status):
                return response, body, attempt
            response.close()  # its body is not read: the connection cannot be reused
            failure = f"{host} answered {_status_text(response)}"
            retry_after = _retry_after(response)
            if retry_after is not None:
                delay = retry_after
        if attempt < attempts:
            logger.warning(
                "%s (attempt %d of %d); retrying in %.1f s", failure, attempt, attempts, delay
            )
            sleep(delay)
    plural = "attempt" if attempts == 1 else "attempts"
    # Only retryable failures get here: later, a task may try again.
    raise FetchError(f"{failure} (after {attempts} {plural})", status=status, retryable=True)


def _read_body(
    response: requests.Response,
    *,
    url: str,
    limits: Limits,
    started: float,
    clock: Callable[[], float],
) -> bytes:
    """The body, read as it arrives and refused (FetchError) as soon as it passes a limit.

    read1() returns what one network read brought, within the read timeout, so the deadline
    is checked after every read; iter_content() would wait for a whole chunk, which a server
    sending a byte a second never completes. The compressed bytes are inflated here, at most
    up to the limit, so a gzip bomb is refused after 20 MB, not inflated to gigabytes.
    A connection error mid-body reaches the caller as urllib3's ProtocolError or
    ReadTimeoutError, and is retried there.
    """
    host = _host(url)
    status = response.status_code
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limits.max_bytes:
        response.close()
        size, limit = _megabytes(int(declared)), _megabytes(limits.max_bytes)
        message = f"{host} announced {size} for {url}, over the {limit} limit (FETCH_MAX_BYTES)"
        raise FetchError(message, status=status)
    wbits = _window_bits(response.headers.get("Content-Encoding", ""), url=url, status=status)
    inflate = None if wbits is None else zlib.decompressobj(wbits)
    parts: list[bytes] = []
    received = decoded = 0
    try:
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=False):
            received += len(chunk)
            if received > limits.max_bytes:
                limit = _megabytes(limits.max_bytes)
                message = f"{host} sent more than the {limit} limit for {url} (FETCH_MAX_BYTES)"
                raise FetchError(message, status=status)
            while chunk:
                if inflate is None:
                    piece, chunk = chunk, b""
                else:  # at most one byte over the limit, the rest waits in unconsumed_tail
                    piece = inflate.decompress(chunk, limits.max_decoded_bytes - decoded + 1)
                    chunk = inflate.unconsumed_tail
                decoded += len(piece)
                if decoded > limits.max_decoded_bytes:
                    limit = _megabytes(limits.max_decoded_bytes)
                    raise FetchError(
                        f"{host} sent {url} compressed, and it inflates past the {limit} limit "
                        f"(FETCH_MAX_DECODED_BYTES) after {_megabytes(received)} received: "
                        "refused as a decompression bomb",
                        status=status,
                    )
                parts.append(piece)
            if clock() - started > limits.deadline:
                raise FetchError(
                    f"{host} took longer than {limits.deadline:g} s to send {url} "
                    f"(FETCH_DEADLINE_SECONDS; {_megabytes(received)} received): refused as "
                    "too slow or endless",
                    status=status,
                )
        if inflate is not None and not inflate.eof:
            raise urllib3.exceptions.ProtocolError("the compressed body ended early")
        if inflate is not None and inflate.unused_data:  # a second gzip member: nobody sends one
            raise zlib.error("data after the end of the compressed body")
    except zlib.error as error:
        response.close()
        raise FetchError(f"{host} sent {url} with broken compression ({error})") from None
    except BaseException:
        response.close()  # half read: the connection cannot be reused
        raise
    response.raw.release_conn()
    return b"".join(parts)


def _window_bits(content_encoding: str, *, url: str, status: int) -> int | None:
    """zlib's wbits for the body's Content-Encoding; None when it is not compressed."""
    encodings = [name.strip().lower() for name in content_encoding.split(",")]
    encodings = [name for name in encodings if name not in {"", "identity"}]
    if not encodings:
        return None
    if encodings in (["gzip"], ["x-gzip"]):
        return 16 + zlib.MAX_WBITS
    if encodings == ["deflate"]:
        return zlib.MAX_WBITS
    raise FetchError(
        f"{_host(url)} sent {url} in an encoding we did not ask for ({content_encoding})",
        status=status,
    )


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _is_retryable(status: int) -> bool:
    """Busy or broken, not a final no: 408 Request Timeout, 429 Too Many Requests and 5xx."""
    return status in {HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS} or status >= 500


def _retry_after(response: requests.Response) -> float | None:
    """Seconds the server asks us to wait on a 429 or 503, capped; None when it does not say."""
    if response.status_code not in {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE}:
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):  # neither seconds nor an HTTP-date: use the backoff
            return None
        if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are always GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _connection_problem(error: requests.ConnectionError) -> str:
    """A short reason for a failed connection, dug out of the urllib3 wrapping."""
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "the name could not be resolved"
        if isinstance(cause, ssl.SSLError | requests.exceptions.SSLError):
            return "the TLS handshake failed"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
    return str(causes[-1]) or type(causes[-1]).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and what it wraps: requests and urllib3 nest the real cause several deep."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        wrapped.extend(current.args)
        pending.extend(item for item in wrapped if isinstance(item, BaseException))


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _status_text(response: requests.Response) -> str:
    reason = response.reason
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    return f"{response.status_code} {reason}".strip()


def _parse_content_type(header: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'."""
    media_type, *parameters = header.split(";")
    encoding = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            encoding = value.strip().strip("\"'").lower()
    return media_type.strip().lower(), encoding


def _json_body(body: bytes) -> Any:
    """The parsed body, None when empty; ValueError when it is not JSON."""
    if not body.strip():
        return None
    return json.loads(body)  # detects UTF-8, -16 and -32 as RFC 8259 allows


def _api_message(data: Any) -> str:
    """The error text in an API body: KvK's {"fout": [{"code", "omschrijving"}]} or a gateway's."""
    if not isinstance(data, dict):
        return ""
    errors = data.get("fout")
    if isinstance(errors, list):
        texts = [
            ": ".join(str(item[key]) for key in ("code", "omschrijving") if item.get(key))
            for item in errors
            if isinstance(item, dict)
        ]
        if any(texts):
            return "; ".join(text for text in texts if text)
    for key in ("message", "error_description", "error", "detail", "omschrijving"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return ""
