from __future__ import annotations

from fastapi.exceptions import RequestValidationError

# The one rule for a request body (docs/decisions.md, "A body must be sent as JSON"): application/json or an
# application/*+json type, in UTF-8 (no charset, or charset utf-8). A body without a Content-Type is refused too:
# a page of another site can send one (fetch with a Blob) without a preflight, as it can text/plain or a form.
NOT_JSON_TYPE = "content_type"
NOT_JSON_MESSAGE = "The body must be JSON (Content-Type: application/json, charset utf-8)"
NOT_JSON = {"type": NOT_JSON_TYPE, "loc": ("body",), "input": None, "msg": NOT_JSON_MESSAGE}


def isJsonContentType(value: str | None) -> bool:
    if value is None:
        return False
    mediaType, *parameters = value.lower().split(";")
    mediaType = mediaType.strip()
    if mediaType != "application/json" and not (mediaType.startswith("application/") and mediaType.endswith("+json")):
        return False
    for parameter in parameters:
        name, _, parameterValue = parameter.partition("=")
        if name.strip() == "charset" and parameterValue.strip().strip('"') != "utf-8":
            return False
    return True


# Raises the refusal that the error handlers answer 415 unsupported_media_type; an empty body is no body.
def refuseBodyNotJson(body: bytes, contentType: str | None) -> None:
    if body and not isJsonContentType(contentType):
        raise RequestValidationError([NOT_JSON])


def isMediaTypeRefusal(details: list[dict[str, object]]) -> bool:
    return any(detail.get("type") == NOT_JSON_TYPE for detail in details)
