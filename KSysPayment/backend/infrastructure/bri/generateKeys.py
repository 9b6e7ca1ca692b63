from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from KSysPayment.backend.infrastructure.bri.keys import generatePrivateKey, privateKeyPem, publicKeyPem

# Development only: one RSA-2048 pair for us (the merchant) and one for the simulated BRI.
PAIRS = ("merchant", "bri")


# The file has its mode before the key is written: a private key is never readable by others, even briefly.
def writeFile(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)


def generatePairs(outDir: Path, force: bool = False) -> list[Path]:
    outDir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in PAIRS:
        privatePath = outDir / f"{name}_private.pem"
        publicPath = outDir / f"{name}_public.pem"
        if privatePath.exists() and publicPath.exists() and not force:
            continue
        key = generatePrivateKey()
        writeFile(privatePath, privateKeyPem(key), 0o600)
        writeFile(publicPath, publicKeyPem(key.public_key()), 0o644)
        written += [privatePath, publicPath]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate development RSA key pairs for BRI SNAP")
    parser.add_argument("--out", type=Path, default=Path(".run/bri"))
    parser.add_argument("--force", action="store_true", help="overwrite existing keys")
    args = parser.parse_args(argv)
    written = generatePairs(args.out, args.force)
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    if not written:
        sys.stdout.write(f"keys already present in {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
