from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from KSysPayment.backend.infrastructure.bri.snapAmount import formatRupiah, parseRupiah, snapMoney
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    hmacSignature,
    minifiedJson,
    parseSnapTimestamp,
    snapTimestamp,
    stringToSign,
    verifyHmacSignature,
)

SECRET = "secret-key-XYZ"
TOKEN = "tokenABC123"
TIMESTAMP = "2026-01-02T03:04:05.678+07:00"
PATH = "/snap/v1.0/transfer-va/create-va"
BODY = {
    "partnerServiceId": "   77777",
    "customerNo": "0812345678",
    "virtualAccountNo": "   777770812345678",
    "totalAmount": {"value": "10000.00", "currency": "IDR"},
    "url": "https://example.com/a/b",
}
# Written out by hand: the exact bytes BRI must receive.
BODY_LITERAL = (
    '{"partnerServiceId":"   77777","customerNo":"0812345678","virtualAccountNo":"   777770812345678",'
    '"totalAmount":{"value":"10000.00","currency":"IDR"},"url":"https://example.com/a/b"}'
)
# Computed independently with: printf '%s' "$BODY" | sha256sum, and openssl dgst -sha512 -hmac.
BODY_SHA256 = "0ef4890028d478bdb503b7eca30dd392b2c73523fcce5060e92e7315eba2d27b"
STRING_TO_SIGN = f"POST:{PATH}:{TOKEN}:{BODY_SHA256}:{TIMESTAMP}"
EXPECTED_HEX = (
    "b33ab229d77935dce12bee364a63982e3f599cf33fee36fad09046a2d1aff1e3"
    "447a2cc0679deb4831109baadeb43f0f40a9620ab3db5048e27f2079ec17a7d2"
)
EXPECTED_BASE64 = "szqyKdd5NdzhK+42SmOYLj9ZnPM/7jb60JBGotGv8eNEeizAZ53rSDEQm6retD8PQKliCrPbUEjifyB57Ben0g=="
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_minifiedJsonBytesAreCompactAndUnescaped() -> None:
    assert minifiedJson(BODY) == BODY_LITERAL.encode()
    raw = minifiedJson({"name": "Café 東京", "path": "/a/b", "psid": "   77777"})
    assert raw == '{"name":"Café 東京","path":"/a/b","psid":"   77777"}'.encode()
    assert b"\\u" not in raw
    assert b"\\/" not in raw
    assert b", " not in raw
    assert b": " not in raw


def test_stringToSignMatchesTheHandWrittenVector() -> None:
    assert hashlib.sha256(BODY_LITERAL.encode()).hexdigest() == BODY_SHA256
    assert stringToSign("POST", PATH, TOKEN, minifiedJson(BODY), TIMESTAMP) == STRING_TO_SIGN
    # A "Bearer " prefix is not part of the signed token; the method is upper-cased.
    assert stringToSign("post", PATH, f"Bearer {TOKEN}", minifiedJson(BODY), TIMESTAMP) == STRING_TO_SIGN


def test_emptyBodyHashesTheEmptyString() -> None:
    assert stringToSign("GET", "/snap/x", "t", b"", "ts") == f"GET:/snap/x:t:{EMPTY_SHA256}:ts"


@pytest.mark.parametrize("path", ["https://host/snap/v1.0/x", "snap/v1.0/x", "//host/snap"])
def test_stringToSignRefusesAHostOrRelativePath(path: str) -> None:
    with pytest.raises(ValueError, match="endpointPath"):
        stringToSign("POST", path, TOKEN, b"{}", TIMESTAMP)


def test_hmacSignatureKnownAnswerInBothEncodings() -> None:
    independent = hmac.new(SECRET.encode(), STRING_TO_SIGN.encode(), hashlib.sha512).digest()
    assert independent.hex() == EXPECTED_HEX
    assert base64.b64encode(independent).decode() == EXPECTED_BASE64
    assert hmacSignature(SECRET, STRING_TO_SIGN, "hex") == EXPECTED_HEX
    assert hmacSignature(SECRET, STRING_TO_SIGN, "base64") == EXPECTED_BASE64
    assert hmacSignature(SECRET.encode(), STRING_TO_SIGN) == EXPECTED_HEX


@pytest.mark.parametrize("signature", [EXPECTED_HEX, EXPECTED_HEX.upper(), EXPECTED_BASE64, f" {EXPECTED_HEX} "])
def test_verifyAcceptsHexAndBase64(signature: str) -> None:
    assert verifyHmacSignature(SECRET, STRING_TO_SIGN, signature)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-a-signature",
        EXPECTED_HEX[:-1] + ("0" if EXPECTED_HEX[-1] != "0" else "1"),
        EXPECTED_HEX[:64],
        "A" + EXPECTED_BASE64[1:],
        base64.b64encode(bytes.fromhex(EXPECTED_HEX)[:32]).decode(),
    ],
)
def test_verifyRejectsForgedSignatures(signature: str) -> None:
    assert not verifyHmacSignature(SECRET, STRING_TO_SIGN, signature)


def test_verifyRejectsAnotherSecretOrMessage() -> None:
    assert not verifyHmacSignature("other-secret", STRING_TO_SIGN, EXPECTED_HEX)
    assert not verifyHmacSignature(SECRET, STRING_TO_SIGN.replace("05.678", "05.679"), EXPECTED_HEX)


def test_reserialisedBodyChangesTheSignature() -> None:
    pretty = STRING_TO_SIGN.replace(BODY_SHA256, hashlib.sha256(BODY_LITERAL.replace(",", ", ").encode()).hexdigest())
    assert not verifyHmacSignature(SECRET, pretty, EXPECTED_HEX)


def test_snapTimestampIsJakartaTimeWithMillis() -> None:
    moment = datetime(2026, 1, 1, 20, 4, 5, 678901, tzinfo=UTC)
    assert snapTimestamp(moment) == "2026-01-02T03:04:05.678+07:00"
    assert snapTimestamp(moment.astimezone(timezone(timedelta(hours=-5)))) == "2026-01-02T03:04:05.678+07:00"
    with pytest.raises(ValueError, match="timezone"):
        snapTimestamp(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-02T03:04:05.678+07:00",
        "2026-01-02T03:04:05+07:00",
        "2026-01-01T20:04:05.678Z",
        "2026-01-01T20:04:05Z",
        "2026-01-01T20:04:05.678000+00:00",
        "2026-01-02T03:04:05.6+07:00",
    ],
)
def test_parseSnapTimestampAcceptsKnownForms(value: str) -> None:
    parsed = parseSnapTimestamp(value)
    assert parsed.tzinfo is not None
    assert abs((parsed - datetime(2026, 1, 1, 20, 4, 5, tzinfo=UTC)).total_seconds()) < 1


@pytest.mark.parametrize("value", ["2026-01-02 03:04:05+07:00", "2026-01-02T03:04:05", "yesterday", ""])
def test_parseSnapTimestampRejectsOtherForms(value: str) -> None:
    with pytest.raises(ValueError, match="SNAP timestamp"):
        parseSnapTimestamp(value)


def test_rupiahAmountsAreDecimalStringsFromIntegers() -> None:
    assert formatRupiah(10000) == "10000.00"
    assert snapMoney(0) == {"value": "0.00", "currency": "IDR"}
    assert parseRupiah("10000.00") == 10000
    assert parseRupiah("10000") == 10000
    assert parseRupiah(25000) == 25000
    for bad in (-1, True, 10.5, "10000.50", "1e4", "-5.00"):
        with pytest.raises(ValueError):
            parseRupiah(bad)
    for badAmount in (-1, True, 10.0):
        with pytest.raises(ValueError):
            formatRupiah(badAmount)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "amount"), [("10000.00", 10000), (" 10000 ", 10000), (10000, 10000),
                                               (str(2**63 - 1), 2**63 - 1)])
def test_rupiahReadsAsciiDecimals(value: object, amount: int) -> None:
    assert parseRupiah(value) == amount


# Non-ASCII digits (int() reads them) and amounts past PostgreSQL's bigint, which settlement cannot store.
@pytest.mark.parametrize("value", ["１０００", "١٠٠٠٠", "10000.٠٠", str(2**63), 2**63, "9" * 40, "1e4", "+1"])
def test_rupiahRefusesNonAsciiDigitsAndAmountsPastBigint(value: object) -> None:
    with pytest.raises(ValueError):
        parseRupiah(value)
