from __future__ import annotations

from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from shared.backend.exceptions.domainError import DependencyUnavailableError
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("ksysadmin.settings")


class SettingsNotPublishedError(DependencyUnavailableError):
    code = "settings_not_published"
    message = "The setting was stored but could not be published; it is published once Redis answers again"


async def publishOrRaise(
    publisher: SettingsPublisherInterface, name: str, document: dict[str, object], force: bool = False
) -> None:
    try:
        written = await publisher.publish(name, document, force=force)
    except Exception as error:
        logger.error("settings_not_published", f"Could not publish setting {name}", error)
        raise SettingsNotPublishedError() from None
    if written:
        logger.application("settings_published", f"Published setting {name}", version=document.get("version"))
    else:
        logger.application("settings_publish_skipped", f"A newer {name} is already published",
                           version=document.get("version"))
