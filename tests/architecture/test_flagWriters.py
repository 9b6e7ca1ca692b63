from __future__ import annotations

import ast
from pathlib import Path

from KSysPayment.backend.domain.models.payment import FLAG_REASON_MAX, Payment
from tests.architecture.test_boundaries import ROOT_DIR, pythonFiles, relative

COLUMN = "flagged_reason"
NAMES = {"flaggedReason", COLUMN}
# Payment.flag() is the one writer: a new flag must also clear an admin's resolution (docs/payment.md).
MODEL = "KSysPayment/backend/domain/models/payment.py"


# Assignments to the flag, the column named in a Core values() keyword or dict, or the attribute passed to the
# model's constructor, outside flag(). (A camelCase key in an answer's details is output, not a write.)
def flagWrites(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    allowed: set[int] = set()
    label = relative(path) if path.is_relative_to(ROOT_DIR) else path.name
    if label == MODEL:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "flag":
                allowed.update(id(child) for child in ast.walk(node))
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets = [node.target]
        written = [target.attr for target in targets if isinstance(target, ast.Attribute) and target.attr in NAMES]
        if isinstance(node, ast.Call):
            model = isinstance(node.func, ast.Name) and node.func.id == "Payment"
            written += [keyword.arg for keyword in node.keywords
                        if keyword.arg == COLUMN or (model and keyword.arg in NAMES)]
        if isinstance(node, ast.Dict):
            written += [key.value for key in node.keys if isinstance(key, ast.Constant) and key.value == COLUMN]
        found += [f"{label}:{getattr(node, 'lineno', '?')} writes {name}" for name in written]
    return found


def test_onlyPaymentFlagWritesTheFlag() -> None:
    writes = [write for path in pythonFiles(ROOT_DIR / "KSysPayment" / "backend") for write in flagWrites(path)]
    assert writes == []


def test_theCheckSeesAWriteOutsideFlag(tmp_path: Path) -> None:
    planted = tmp_path / "plantedFlagWrite.py"
    planted.write_text("def settle(payment, stmt):\n    payment.flaggedReason = 'x'\n"
                       "    stmt.values({'flagged_reason': 'x'})\n    Payment(flaggedReason='x')\n"
                       "    return stmt.values(flagged_reason='x'), {'flaggedReason': 'shown'}\n", encoding="utf-8")
    written = sorted(write.split(" ")[-1] for write in flagWrites(planted))
    assert written == ["flaggedReason", "flaggedReason", "flagged_reason", "flagged_reason"]


# The same-reason checks compare the reason as flag() stores it, so a long reason is not taken as a new one.
def test_flaggedForComparesTheStoredForm() -> None:
    payment = Payment(flaggedReason=None)
    long = "x" * (FLAG_REASON_MAX + 40)
    assert not payment.flaggedFor(long)
    payment.flaggedReason = long[:FLAG_REASON_MAX]
    assert payment.flaggedFor(long) and not payment.flaggedFor("y")
