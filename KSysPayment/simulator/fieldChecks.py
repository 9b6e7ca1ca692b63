from __future__ import annotations

import re
from datetime import datetime

from KSysPayment.simulator.simulatorContext import JsonObject, snapError

MONEY_PATTERN = re.compile(r"^\d+\.\d{2}$")
PARTNER_SERVICE_ID_PATTERN = re.compile(r"^ {0,7}\d{1,8}$")


def requireText(body: JsonObject, key: str, serviceCode: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise snapError(400, serviceCode, "02", f"Invalid Mandatory Field [{key}]")
    if not isinstance(value, str):
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}]")
    return value


def requireObject(body: JsonObject, key: str, serviceCode: str) -> JsonObject:
    value = body.get(key)
    if value is None:
        raise snapError(400, serviceCode, "02", f"Invalid Mandatory Field [{key}]")
    if not isinstance(value, dict):
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}]")
    return {str(k): v for k, v in value.items()}


def requireMoney(body: JsonObject, key: str, serviceCode: str) -> int:
    money = requireObject(body, key, serviceCode)
    value = requireText(money, "value", serviceCode)
    if not MONEY_PATTERN.fullmatch(value) or not value.endswith(".00"):
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}.value]")
    if requireText(money, "currency", serviceCode) != "IDR":
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}.currency]")
    return int(value[:-3])


def requireVaKeys(body: JsonObject, serviceCode: str) -> tuple[str, str, str]:
    partnerServiceId = requireText(body, "partnerServiceId", serviceCode)
    customerNo = requireText(body, "customerNo", serviceCode)
    virtualAccountNo = requireText(body, "virtualAccountNo", serviceCode)
    # 8 characters, left-padded with spaces: a trimmed value is a client bug.
    if len(partnerServiceId) != 8 or not PARTNER_SERVICE_ID_PATTERN.fullmatch(partnerServiceId):
        raise snapError(400, serviceCode, "01", "Invalid Field Format [partnerServiceId]")
    if not customerNo.isdigit() or len(customerNo) > 13:
        raise snapError(400, serviceCode, "01", "Invalid Field Format [customerNo]")
    if virtualAccountNo != partnerServiceId + customerNo:
        raise snapError(400, serviceCode, "01", "Invalid Field Format [virtualAccountNo]")
    return partnerServiceId, customerNo, virtualAccountNo


def requireDateTime(body: JsonObject, key: str, serviceCode: str) -> datetime:
    value = requireText(body, key, serviceCode)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}]") from None
    if parsed.tzinfo is None:
        raise snapError(400, serviceCode, "01", f"Invalid Field Format [{key}]")
    return parsed
