"""message_allow / message_deny: the person allowed or forbade messages from the community.

Both are consents to receive messages (subject ``messages:vk``) and are recorded as such, for the person
(linked accounts share them). A person who forbade messages is also marked unreachable: nothing
proactive is sent to them until they allow messages or write again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import App
from bot.channels.vk.inbound import CHANNEL, Permission
from bot.consent import records
from bot.delivery import updates
from bot.dialogue.messages import UserRef
from bot.people import repository as people

log = logging.getLogger(__name__)

SUBJECT = "messages:vk"
WORDING_VERSION = "vk-messages-1"  # VK's own "allow messages from the community" switch


async def record_consent(conn: AsyncConnection, person_id: int, granted: bool, at: datetime, source: str) -> bool:
    """Write the consent through the consent records, in the caller's transaction."""
    await records.record(
        conn, person_id=person_id, subject=SUBJECT, granted=granted, channel=CHANNEL,
        wording_version=WORDING_VERSION, at=at, source=source,
    )
    return True


async def apply(app: App, change: Permission, update_key: str) -> bool:
    """Record the change once (a repeated event is ignored); False if it was a repeat."""
    now = app.clock.now()
    user = UserRef(CHANNEL, str(change.user_id))
    async with app.db.transaction() as conn:
        if not await updates.first_time(conn, CHANNEL, update_key, now):
            return False
        account = await people.find_account(conn, user)
        if account is None:  # allowed messages before ever writing: a person without a conversation yet
            account = await people.create_account(conn, user, now)
        source = "vk:message_allow" if change.allowed else "vk:message_deny"
        await record_consent(conn, account.person_id, change.allowed, now, source)
        if change.allowed:
            await people.mark_reachable(conn, user, now)
        else:
            await people.mark_unreachable(conn, user, now)
    app.dialogue.forget_cached(user)
    log.info("A VK user %s messages from the community", "allowed" if change.allowed else "denied")
    return True
