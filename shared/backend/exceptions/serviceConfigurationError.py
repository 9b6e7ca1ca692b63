from __future__ import annotations


# A service's own configuration its startup hooks refuse (BRI's keys and credentials, the mail outbox), the message
# naming the variable; startup reports it in one line (shared/backend/startupFailure.py).
class ServiceConfigurationError(RuntimeError):
    pass
