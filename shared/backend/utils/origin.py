from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


# A lower-case host name of ASCII (punycode) labels, or an IP address.
def isHost(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return all(HOST_LABEL.match(label) for label in host.split("."))


# An origin as a browser sends it in Origin: lower case, ASCII (punycode) host, no default port. The admin API
# stores what this returns; CORS_ORIGINS must already be in this form.
def checkOrigin(value: str) -> str:
    parts = urlsplit(value.lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in value:
        raise ValueError("must be an explicit http(s) origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and optional port, no path")
    if not isHost(parts.hostname):
        raise ValueError("has an invalid host (use the punycode form of an international name)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if parts.netloc.endswith(":"):
        raise ValueError("has an invalid port")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = "" if port is None or port == DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{shown}"
