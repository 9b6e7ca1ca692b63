from __future__ import annotations

from typing import TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from shared.backend.http.mediaType import refuseBodyNotJson
from shared.backend.openapiDocs import ENVELOPE_REF

# A hot route that takes the raw request skips FastAPI's body parsing and dependency solving
# (docs/decisions.md, "The login route reads its own body"); these two give it the same contract and docs.
ModelT = TypeVar("ModelT", bound=BaseModel)


# The body validated straight from its bytes; every failure is FastAPI's RequestValidationError, so the
# app's handler answers 422 with one detail per field, located under "body" as for a declared body (415 for a
# body not sent as JSON, as a declared body's).
async def readJsonBody(request: Request, model: type[ModelT]) -> ModelT:
    body = await request.body()
    refuseBodyNotJson(body, request.headers.get("content-type"))
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False, include_input=False)]
        ) from None


# The OpenAPI a declared body would have produced: the request body's schema and the 422 envelope.
def jsonBodyDoc(model: type[BaseModel]) -> dict[str, object]:
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise ValueError(f"{model.__name__}: jsonBodyDoc documents flat models only (no nested model refs)")
    envelope = {"application/json": {"schema": {"$ref": ENVELOPE_REF}}}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {"422": {"description": "Validation Error", "content": envelope}},
    }
