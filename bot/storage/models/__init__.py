"""All tables; importing this package registers them on ``Base.metadata`` (Alembic needs that)."""

from bot.storage.models.analytics import EventRow
from bot.storage.models.base import Base
from bot.storage.models.delivery import DeadLetter, DeliveryInstance, OutboxRow, ProcessedUpdate
from bot.storage.models.handoff import CaseRow
from bot.storage.models.instances import JobRun, Lease, SharedValue
from bot.storage.models.kb import KBEntryTitle, KBVersion
from bot.storage.models.linking import LinkAttempt, LinkCode
from bot.storage.models.notify import (
    BroadcastRow,
    ConsentRow,
    ConsentState,
    DigestItem,
    NotificationSettings,
    RatingInvitation,
    ReminderRow,
)
from bot.storage.models.people import Account, ConversationRow, IdCounter, Person
from bot.storage.models.vk import VKClient, VKPollState
from bot.storage.models.web import AuditRecord, DismissedCluster, KBChange, StaffSession, StaffUser

__all__ = [
    "Account",
    "AuditRecord",
    "Base",
    "BroadcastRow",
    "CaseRow",
    "ConsentRow",
    "ConsentState",
    "ConversationRow",
    "DeadLetter",
    "DeliveryInstance",
    "DigestItem",
    "DismissedCluster",
    "EventRow",
    "IdCounter",
    "JobRun",
    "KBChange",
    "KBEntryTitle",
    "KBVersion",
    "Lease",
    "LinkAttempt",
    "LinkCode",
    "NotificationSettings",
    "OutboxRow",
    "Person",
    "ProcessedUpdate",
    "RatingInvitation",
    "ReminderRow",
    "SharedValue",
    "StaffSession",
    "StaffUser",
    "VKClient",
    "VKPollState",
]
