"""Texts the operators' desk composes from its data: case cards, history, topic titles, signed replies,
the queue, the day's figures, the templates list; labels of platforms and files. Pure functions."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.dialogue.markup import literal
from bot.dialogue.messages import Attachment, Button, Incoming, Outgoing
from bot.dialogue.state import Conversation
from bot.handoff import cases
from bot.handoff.cases import Case
from bot.handoff.files import FileRef
from bot.handoff.hours import Schedule, format_wait
from bot.handoff.sla import waited
from bot.handoff.texts import HandoffTexts
from bot.kb.model import KnowledgeBase

HISTORY = 5  # the person's last questions shown on a new case's card
ACTION_PREFIX = "case"  # a case card's buttons: "case:<action>:<id>"

_CAPTIONABLE = {Attachment.PHOTO, Attachment.DOCUMENT, Attachment.VIDEO, Attachment.AUDIO, Attachment.VOICE}


def quote(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local_time(moment: datetime, schedule: Schedule) -> str:
    """``moment`` as "DD.MM HH:MM" in the operators' time zone."""
    return f"{moment.astimezone(schedule.zone):%d.%m %H:%M}"


def platform_name(channel: str) -> str:
    """A channel's name as operators read it: Telegram, VK, MAX."""
    return {"telegram": "Telegram", "vk": "VK", "max": "MAX"}.get(channel, channel)


def attachment_name(kind: Attachment) -> str:
    """A kind of attachment in Russian: «фото», «документ»…"""
    return {
        Attachment.PHOTO: "фото", Attachment.DOCUMENT: "документ", Attachment.VOICE: "голосовое",
        Attachment.VIDEO: "видео", Attachment.AUDIO: "аудио", Attachment.STICKER: "стикер",
        Attachment.LOCATION: "место", Attachment.CONTACT: "контакт",
    }.get(kind, "вложение")


def file_label(ref: FileRef) -> str:
    """A file as named in a note: its name in quotes, else its kind."""
    return f"«{literal(ref.name)}»" if ref.name else attachment_name(ref.kind)


def captionable(kinds: Sequence[Attachment]) -> bool:
    """Telegram keeps a caption on these when copying; other kinds get the text as a message before."""
    return bool(kinds) and all(kind in _CAPTIONABLE for kind in kinds)


def entry_topic(base: KnowledgeBase, entry_id: str | None) -> str | None:
    """The title of the knowledge base topic an entry belongs to, if any."""
    if entry_id is None:
        return None
    entry = base.entries.get(entry_id)
    if entry is None:
        return None
    topic = base.topic(entry.topic_id)
    return topic.title if topic is not None else None


def history(t: HandoffTexts, base: KnowledgeBase, conv: Conversation) -> str:
    """The person's last questions, the answers they got and whether those helped."""
    lines = []
    for thread in conv.log[-HISTORY:]:
        entry = base.entries.get(thread.entry) if thread.entry else None
        answer = f"«{entry.question}» ({entry.id})" if entry else t.history_no_answer
        helped = {"yes": t.helped_yes, "no": t.helped_no}.get(thread.helped or "", "")
        lines.append(t.format(t.history_line, query=literal(quote(thread.query)), answer=answer, helped=helped))
    return "\n".join(lines) or t.card_no_history


def topic_title(t: HandoffTexts, case: Case) -> str:
    """The title of a case's topic in the workspace (at most 120 characters)."""
    title = t.format(t.topic_title, case=case.id, segment=t.segment(case.segment), topic=case.topic or t.topic_unknown)
    return title[:120]


def card_buttons(t: HandoffTexts, case_id: int) -> tuple[tuple[Button, ...], ...]:
    """A case card's buttons: take, transfer, close."""
    return (
        (
            Button(t.take, f"{ACTION_PREFIX}:take:{case_id}"),
            Button(t.transfer, f"{ACTION_PREFIX}:transfer:{case_id}"),
            Button(t.close, f"{ACTION_PREFIX}:close:{case_id}"),
        ),
    )


def case_card(
    t: HandoffTexts, case: Case, reason: str, opened: datetime, schedule: Schedule, history_text: str
) -> str:
    """A new case's card in its topic."""
    return t.format(
        t.card,
        case=case.id,
        channel=platform_name(case.channel),
        segment=t.segment(case.segment),
        opened=local_time(opened, schedule),
        reason=t.reason(reason),
        history=history_text,
    )


def new_case_notice(t: HandoffTexts, case: Case, topic: str | None, ahead: int) -> str:
    """The workspace's general notice of a new case with its place in the queue."""
    return t.format(
        t.new_case, case=case.id, segment=t.segment(case.segment), topic=topic or t.topic_unknown,
        channel=platform_name(case.channel), queue=ahead + 1,
    )


def accepted(t: HandoffTexts, schedule: Schedule, case_id: int, ahead: int, now: datetime) -> str:
    """What the person is told when their case opens: the queue now, or when the operators are back."""
    hours = schedule.describe()
    if schedule.is_open(now):
        return t.format(t.accepted, case=case_id, ahead=ahead, hours=hours)
    next_open = schedule.next_open(now)
    when = local_time(next_open, schedule) if next_open else "в ближайший рабочий день"
    return t.format(t.accepted_off_hours, case=case_id, hours=hours, next_open=when)


def person_message(t: HandoffTexts, message: Incoming) -> str:
    """The person's message as posted in the case's topic (their words never read as markup)."""
    text = literal((message.text or "").strip())
    if not message.attachments:
        return t.format(t.person_wrote, text=text)
    kinds = ", ".join(attachment_name(a) for a in message.attachments)
    body = t.format(t.person_file, kinds=kinds, text=text).rstrip()
    if message.file_links:  # a platform the operators' one cannot copy from: the files' links
        body += "\n" + "\n".join(literal(link) for link in message.file_links)
    return body


def signed(t: HandoffTexts, name: str | None, text: str, correction: bool = False) -> str:
    """An operator's reply for the person, with the operator's name when ``name`` is given."""
    named, anonymous = (
        (t.operator_corrects, t.operator_corrects_anonymous) if correction
        else (t.operator_says, t.operator_says_anonymous)
    )
    if name:
        return t.format(named, operator=name, text=text)
    return t.format(anonymous, text=text)


def supervisors(t: HandoffTexts, ids: Sequence[int]) -> str:
    """Mentions of the supervisors (Telegram links), or a note that none are set."""
    if not ids:
        return t.supervisors_none
    return ", ".join(f"[руководитель](tg://user?id={i})" for i in ids)


def queue_text(t: HandoffTexts, open_cases: Sequence[Case], now: datetime) -> str:
    """The open cases, one line each: status, waiting time, profile, topic."""
    if not open_cases:
        return t.queue_empty
    lines = [t.queue_head]
    for case in open_cases:
        status = (
            t.status_new if case.status == cases.NEW
            else t.format(t.status_taken, operator=case.operator_name or "сотрудника")
        )
        lines.append(t.format(
            t.queue_line, case=case.id, status=status, waited=format_wait(now - case.opened_at),
            segment=t.segment(case.segment), topic=case.topic or t.topic_unknown,
        ))
    return "\n".join(lines)


def stats_text(
    t: HandoffTexts,
    schedule: Schedule,
    sla: timedelta,
    today: Sequence[Case],
    open_now: int,
    start: datetime,
    now: datetime,
) -> str:
    """The day's figures from ``start`` (local midnight): opened, closed, open now, median first answer,
    SLA breaches."""
    opened = [c for c in today if c.opened_at >= start]
    closed = [c for c in today if c.closed_at is not None and c.closed_at >= start]
    firsts = [schedule.working_time(c.opened_at, c.first_response_at) for c in opened if c.first_response_at]
    median = format_wait(statistics.median(firsts)) if firsts else t.no_data
    breaches = sum(1 for c in opened if waited(schedule, c, now) > sla)
    return t.format(
        t.stats, day=f"{start:%d.%m.%Y}", new=len(opened), closed=len(closed), open=open_now,
        median=median, sla=format_wait(sla), breaches=breaches,
    )


def templates_message(t: HandoffTexts, templates: Mapping[str, str]) -> Outgoing:
    """The saved replies with a button each (names too long for a button's data get none)."""
    if not templates:
        return Outgoing(t.templates_none)
    lines = [t.templates_head] + [f"• **{name}**: {quote(text, 120)}" for name, text in templates.items()]
    buttons = tuple((Button(name, f"tpl:{name}"),) for name in templates if len(f"tpl:{name}".encode()) <= 64)
    return Outgoing("\n".join(lines), buttons)
