from __future__ import annotations

import sys

import uvicorn

from KSysPayment.simulator.simulatorSettings import loadSimulatorSettings
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError

if __name__ == "__main__":
    try:
        port = loadSimulatorSettings().port
    except ServiceConfigurationError as error:
        print(f"BRI simulator cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    # Loopback only: the simulator has no business on a public interface.
    uvicorn.run("KSysPayment.simulator.app:app", host="127.0.0.1", port=port)
