from __future__ import annotations

import uvicorn

from KSysPayment.simulator.simulatorSettings import SimulatorSettings

if __name__ == "__main__":
    # Loopback only: the simulator has no business on a public interface.
    uvicorn.run("KSysPayment.simulator.app:app", host="127.0.0.1", port=SimulatorSettings().port)
