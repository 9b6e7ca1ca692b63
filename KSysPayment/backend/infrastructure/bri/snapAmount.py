from __future__ import annotations

import re

# ASCII digits only: int() also reads other scripts' digits ("١٠٠٠٠").
AMOUNT_PATTERN = re.compile(r"^(\d+)(?:\.(\d{1,2}))?$", re.ASCII)
# PostgreSQL's bigint, the amount columns' type: a larger amount cannot be stored or compared in SQL.
MAX_RUPIAH = 2**63 - 1


def formatRupiah(amount: int) -> str:
    # IDR has no minor unit: integer rupiah -> "10000.00".
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("amount must be a non-negative integer of rupiah")
    return f"{amount}.00"


def parseRupiah(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("amount is not a number")
    if isinstance(value, int):
        return inBigint(value)
    if not isinstance(value, str):
        raise ValueError("amount must be a decimal string")
    match = AMOUNT_PATTERN.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a rupiah amount: {value!r}")
    if match.group(2) and int(match.group(2)) != 0:
        raise ValueError("IDR amounts have no fractional part")
    return inBigint(int(match.group(1)))


def inBigint(amount: int) -> int:
    if not 0 <= amount <= MAX_RUPIAH:
        raise ValueError("amount is negative or past bigint")
    return amount


def snapMoney(amount: int, currency: str = "IDR") -> dict[str, str]:
    return {"value": formatRupiah(amount), "currency": currency}
