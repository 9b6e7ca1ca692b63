from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import platform
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import k_services_crypto as kcrypto
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PAYLOADS = [("64 B", 64), ("1 KiB", 1024), ("64 KiB", 65536)]
THREADS = [1, 2]
DEFAULT_PARAMS = (19456, 2, 1)
CONTEXT = "user:0192f1e4-7a3b-7cc0-9d55-3f2a1b4c5d6e|device:ab12cd34"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADING = "## Crypto (issue 3)"

Pair = Callable[[bytes], None]


def oursPair(cipher: kcrypto.RecordCipher) -> Pair:
    def run(plaintext: bytes) -> None:
        output = cipher.encrypt(plaintext, CONTEXT)
        if cipher.decrypt(output, CONTEXT) != plaintext:
            raise AssertionError("ours: round trip mismatch")

    return run


def oursStringPair(cipher: kcrypto.RecordCipher) -> Pair:
    def run(plaintext: bytes) -> None:
        value = cipher.encryptToString(plaintext, CONTEXT)
        if cipher.decryptString(value, CONTEXT) != plaintext:
            raise AssertionError("ours (string form): round trip mismatch")

    return run


def cryptographyPair(kek: bytes) -> Pair:
    info = CONTEXT.encode()

    def recordKey(salt: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt, info).derive(kek)

    def run(plaintext: bytes) -> None:
        salt, nonce = os.urandom(16), os.urandom(12)
        ciphertext = AESGCM(recordKey(salt)).encrypt(nonce, plaintext, info)
        if AESGCM(recordKey(salt)).decrypt(nonce, ciphertext, info) != plaintext:
            raise AssertionError("cryptography: round trip mismatch")

    return run


def pairsPerSecond(pair: Pair, plaintext: bytes, threads: int, seconds: float) -> float:
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(slot: int) -> None:
        barrier.wait()
        done = 0
        while not stop.is_set():
            for _ in range(16):
                pair(plaintext)
            done += 16
        counts[slot] = done

    workers = [threading.Thread(target=worker, args=(slot,)) for slot in range(threads)]
    for item in workers:
        item.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for item in workers:
        item.join()
    return sum(counts) / (time.perf_counter() - started)


def kekMilliseconds(masterKey: bytes, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        kcrypto.RecordCipher(masterKey, *DEFAULT_PARAMS)
        samples.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(samples)


def cryptographyKekMilliseconds(masterKey: bytes, rounds: int) -> float | None:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
    except ImportError:
        return None
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        Argon2id(salt=kcrypto.KEK_SALT, length=32, iterations=2, lanes=1, memory_cost=19456).derive(masterKey)
        samples.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(samples)


def spin(iterations: int) -> int:
    total = 0
    for value in range(iterations):
        total += value
    return total


def parallelCapacity(iterations: int = 5_000_000) -> float:
    # How much of a second core is free right now: 2.0 on an idle 2-core machine, ~1.0 when
    # something else keeps one core busy (then no thread design can scale).
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(spin, [1000, 1000]))
        started = time.perf_counter()
        list(pool.map(spin, [iterations]))
        single = time.perf_counter() - started
        started = time.perf_counter()
        list(pool.map(spin, [iterations, iterations]))
        double = time.perf_counter() - started
    return 2 * single / double


def machineDescription() -> str:
    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        found = re.search(r"^Model name:\s*(.+)$", lscpu, re.MULTILINE)
        if found:
            model = found.group(1).strip()
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {platform.system()}"


def formatRate(value: float) -> str:
    return f"{value:,.0f}"


def runBenchmark(seconds: float, rounds: int) -> list[str]:
    masterKey = os.urandom(32)
    cipher = kcrypto.RecordCipher(masterKey, *DEFAULT_PARAMS)
    kek = kcrypto.argon2id(masterKey, kcrypto.KEK_SALT, *DEFAULT_PARAMS, 32)
    implementations = [
        ("ours", oursPair(cipher)),
        ("ours, string form", oursStringPair(cipher)),
        ("cryptography", cryptographyPair(kek)),
    ]
    capacityBefore = parallelCapacity()
    rates: dict[tuple[str, str, int], float] = {}
    # Best of `rounds` interleaved runs: other load on the machine only ever lowers a figure.
    for _ in range(rounds):
        for label, size in PAYLOADS:
            plaintext = os.urandom(size)
            for threads in THREADS:
                for name, pair in implementations:
                    pairsPerSecond(pair, plaintext, threads, seconds / 5)
                    rate = pairsPerSecond(pair, plaintext, threads, seconds)
                    rates[(name, label, threads)] = max(rate, rates.get((name, label, threads), 0.0))
    lines = [
        "| payload | threads | ours (pairs/s) | ours, string form (pairs/s) | cryptography (pairs/s) "
        "| ours / cryptography | ours 2 threads / 1 thread |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, _ in PAYLOADS:
        for threads in THREADS:
            ours = rates[("ours", label, threads)]
            ratio = ours / rates[("cryptography", label, threads)]
            scaling = f"{ours / rates[('ours', label, 1)]:.2f}x" if threads > 1 else ""
            stringForm = formatRate(rates[("ours, string form", label, threads)])
            theirs = formatRate(rates[("cryptography", label, threads)])
            lines.append(
                f"| {label} | {threads} | {formatRate(ours)} | {stringForm} | {theirs} | {ratio:.2f}x | {scaling} |"
            )
    ourKek = kekMilliseconds(masterKey, 7)
    theirKek = cryptographyKekMilliseconds(masterKey, 7)
    lines.append("")
    lines.append("| KEK derivation, Argon2id m=19456 KiB t=2 p=1 (median of 7) | ms |")
    lines.append("|---|---|")
    lines.append(f"| ours (rust-argon2) | {ourKek:.1f} |")
    if theirKek is not None:
        lines.append(f"| cryptography (OpenSSL Argon2id) | {theirKek:.1f} |")
    capacityAfter = parallelCapacity()
    lines.append("")
    lines.append(
        f"Parallel capacity measured around the run (2 processes vs 1, 2.0 = two free cores): "
        f"{capacityBefore:.2f} before, {capacityAfter:.2f} after."
    )
    return lines


def writeDocs(table: list[str]) -> None:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    section = "\n".join(
        [
            HEADING,
            "",
            f"Measured {today} on {machineDescription()} with `uv run python bench/crypto.py --write-docs`.",
            "One pair = encrypt then decrypt of a fresh record (random salt and nonce, HKDF-SHA256 record key,",
            "AES-256-GCM with the context as associated data). The cryptography column is the same construction",
            "written with `cryptography` (HKDF + AESGCM objects per record).",
            "",
            *table,
            "",
            "Targets: ours >= 1.5x cryptography at 64 B and 1 KiB on one thread; 2 threads >= 1.8x one thread;",
            "KEK derivation < 100 ms. The machine is shared with other work, so every figure is the best of",
            "several interleaved rounds, and the 2-thread column only means something when the parallel",
            "capacity line is near 2.0. `cryptography` keeps the GIL for these calls and does not scale with",
            "threads; ours releases it for all crypto work, and what stays serial (argument parsing, creating",
            "the bytes objects, the Python loop itself) is roughly a sixth of a small-payload pair, which caps",
            "64 B / 1 KiB scaling near 1.7-1.8x (Amdahl). At 64 KiB both sides run the same AES-NI/CLMUL GCM",
            "assembly; the string form adds base64url of the whole value.",
            "",
        ]
    )
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="k_services_crypto vs cryptography")
    parser.add_argument("--seconds", type=float, default=0.4, help="measuring time per cell and round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; the best is reported")
    parser.add_argument("--write-docs", action="store_true", help=f"replace '{HEADING}' in docs/benchmarks.md")
    arguments = parser.parse_args()
    print(f"machine: {machineDescription()}")
    table = runBenchmark(arguments.seconds, arguments.rounds)
    print("\n".join(table))
    if arguments.write_docs:
        writeDocs(table)
        print(f"written to {DOCS}")


if __name__ == "__main__":
    main()
