from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzz.conftest import FUZZ_EXAMPLES, FuzzTokens, unhandledCount
from tests.security.securitySupport import groupDocument

# Calls that would end the fuzzing account's own session or publish gateway settings.
EXCLUDED = {
    "auth": [("POST", "/api/auth/logout"), ("POST", "/api/auth/logout-all")],
    "payment": [],
    "admin": [("PUT", "/api/admin/settings/cors"), ("PUT", "/api/admin/settings/rate-limits")],
}
# too_slow measures data generation speed, which follows the machine's load, not the API. The other
# health checks stay on: a schema that is mostly filtered out or needs huge examples fails its operation.
BUDGET = settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)


CHECKS = [not_a_server_error, response_schema_conformance]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def loadSchema(gatewayUrl: str, group: str) -> BaseSchema:
    schema: BaseSchema = from_dict(groupDocument(gatewayUrl, group))
    for method, path in EXCLUDED[group]:
        schema = schema.exclude(method=method, path=path)
    return schema


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fuzzOperation(operation: APIOperation, mode: GenerationMode, gatewayUrl: str, token: str) -> str | None:
    # Drives hypothesis directly: schemathesis' pytest plugin does not run on pytest 9.2 (request.node._nodeid).
    calls = 0

    @BUDGET
    @given(case=operation.as_strategy(mode))
    def run(case: Case) -> None:
        nonlocal calls
        calls += 1
        case.call_and_validate(base_url=gatewayUrl, headers=bearer(token), checks=CHECKS, timeout=15)

    try:
        run()
    except Exception as error:  # every failure is reported with its operation
        if isinstance(error, Unsatisfiable) and mode is GenerationMode.NEGATIVE:
            return None  # nothing to negate (no parameters or body)
        return f"{operation.label} ({mode.value}): {str(error)[:600]}"
    if mode is GenerationMode.POSITIVE and calls == 0:
        return f"{operation.label} (positive): no valid case was generated, the operation was never called"
    return None


@pytest.mark.parametrize("group", ["auth", "payment", "admin"])
def test_fuzzedOperationsNeverFail(gatewayUrl: str, fuzzTokens: FuzzTokens, group: str) -> None:
    token = fuzzTokens.superadmin if group == "admin" else fuzzTokens.user
    operations = [result.ok() for result in loadSchema(gatewayUrl, group).get_all_operations()]
    assert operations, f"nothing to fuzz in {group}"
    failures = [failure for operation in operations for mode in MODES
                if (failure := fuzzOperation(operation, mode, gatewayUrl, token))]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("group", ["auth", "payment", "admin"])
def test_documentedValidationErrorIsTheEnvelope(gatewayUrl: str, group: str) -> None:
    document = groupDocument(gatewayUrl, group)
    schemas = document.get("components", {}).get("schemas", {})
    documented = {name for name in schemas if "ValidationError" in name}
    # FastAPI documents 422 as {"detail": [...]}, but every server answers the error envelope.
    assert "HTTPValidationError" not in documented, f"{group}: 422 documented as HTTPValidationError"


def test_zzNoUnhandledExceptionDuringFuzzing(runDir: Path, unhandledBefore: int, fuzzTokens: FuzzTokens) -> None:
    assert fuzzTokens.user
    assert unhandledCount(runDir) == unhandledBefore, "the fuzz run logged unhandled_exception lines"
