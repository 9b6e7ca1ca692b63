from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
DEFAULT_PORTS = {"http": 80, "https": 443}


# A lower-case host name of ASCII (punycode) labels, or an IP address.
def isHost(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return all(HOST_LABEL.match(label) for label in host.split("."))


# The host as a browser writes it in Origin: an IPv6 address compressed; a name whose last label is a number is
# an IPv4 address to a browser (010.0.0.1 is 8.0.0.1), so it must be dotted decimal already.
def browserHost(host: str) -> str:
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("has an invalid IPv6 address") from None
        if address.scope_id is not None:
            raise ValueError("has an IPv6 zone, which browsers do not send")
        return f"[{address.compressed}]"
    if NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise ValueError("has an IPv4 address not in dotted decimal such as 10.0.0.1") from None
    if not isHost(host):
        raise ValueError("has an invalid host (use the punycode form of an international name)")
    return host


# An origin as a browser sends it in Origin: lower case, ASCII (punycode) host, no default port. The admin API
# stores what this returns; CORS_ORIGINS must already be in this form.
def checkOrigin(value: str) -> str:
    parts = urlsplit(value.lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in value:
        raise ValueError("must be an explicit http(s) origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and optional port, no path")
    host = browserHost(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if parts.netloc.endswith(":") or port == 0:
        raise ValueError("has an invalid port")
    shown = "" if port is None or port == DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{shown}"
