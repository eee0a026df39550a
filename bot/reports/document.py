"""The report as a neutral document (sections of text, tables and charts) rendered to Markdown or HTML.

Everything here is aggregated: counts, shares, entries and grouped question texts. No pseudonym, id or
name of a person is ever placed in a document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.plural import plural, times
from bot.reports.metrics import Report, Scale, percent
from bot.reports.stars import star_text
from bot.reports.survey import survey_table
from bot.reports.unanswered import REASONS, reasons_text

NO_DATA = "нет данных"
EASE_LABELS = {4: "Легко", 3: "Скорее легко", 2: "Скорее сложно", 1: "Сложно"}
SATISFACTION_LABELS = {4: "Удовлетворён", 3: "Скорее удовлетворён", 2: "Скорее не удовлетворён", 1: "Не удовлетворён"}
CHANNEL_NAMES = {"telegram": "Telegram", "vk": "ВКонтакте", "max": "MAX", "console": "Консоль"}
DECISION_NAMES = {
    "answer": "ответ сразу", "confirm": "уточнение «Вы имели в виду…?»", "suggest": "три варианта",
    "none": "ничего не найдено",
}
MIN_RATINGS_FOR_STARS = 30  # default of reports.min_ratings_for_stars
SCORE_NOTE = (
    "В скобках у ближайшей статьи — её сходство с вопросом по шкале от 0 до 100, как его считает бот: от 65 и выше "
    "бот обычно отвечает сразу, ниже 25 — статья почти не связана с вопросом."
)
STAR_LEGEND = (
    "Звёзды по таблице 1 стандарта «Государство для бизнеса»: более 50 % оценок «Легко» и «Скорее легко» — "
    "1 звезда, более 60 % — 2, более 70 % — 3, более 80 % — 4, более 90 % — 5."
)


def pct(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:.1f}".replace(".", ",") + " %"


def num(value: float | None, digits: int = 1) -> str:
    return NO_DATA if value is None else f"{value:.{digits}f}".replace(".", ",")


def of(part: int, whole: int) -> str:
    share = percent(part, whole)
    return f"{part} ({pct(share)})" if share is not None else str(part)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # chart names, drawn by the HTML renderer
    notes: list[str] = field(default_factory=list)  # shown after the tables


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]


def _scale_table(scale: Scale, labels: dict[int, str]) -> Table:
    rows = [[labels[v], str(scale.counts.get(v, 0)), pct(percent(scale.counts.get(v, 0), scale.total))]
            for v in (4, 3, 2, 1)]
    return Table(["Оценка", "Ответов", "Доля"], rows)


def ratings(count: int) -> str:
    return plural(count, "оценка", "оценки", "оценок")


def scale_stars(scale: Scale, min_ratings: int) -> str:
    """The stars of a scale, or why there are none yet: too few ratings make stars meaningless."""
    if not scale.total:
        return star_text(None)
    if scale.total < min_ratings:
        return f"звёзды не присваиваются: {ratings(scale.total)}, нужно не меньше {min_ratings}"
    return star_text(scale.stars)


def _scale_line(scale: Scale, what: str, min_ratings: int) -> str:
    if not scale.total:
        return f"{what}: {NO_DATA}."
    share = pct(scale.share)
    return f"{what}: **{share}**, всего {ratings(scale.total)} — {scale_stars(scale, min_ratings)}."


def build(
    report: Report,
    generated: datetime,
    unanswered_limit: int = 10,
    entry_limit: int = 15,
    min_ratings: int = MIN_RATINGS_FOR_STARS,
) -> Document:
    r = report
    sections: list[Section] = []

    summary = Section("Главное")
    summary.tables.append(Table(["Показатель", "Значение"], [
        ["Вопросов задано", str(r.questions)],
        ["Людей обратилось", str(r.people)],
        ["Бот ответил", of(r.answered, r.questions)],
        ["Вопрос решён (на «Это помогло?» ответили «Да»)", of(r.resolved, r.questions)],
        ["Передано оператору", of(r.escalated, r.questions)],
        ["Ответы из меню тем и связанных вопросов", str(r.menu_answers)],
        ["Лёгкость решения: «Легко» и «Скорее легко»",
         f"{pct(r.ease.share)} ({ratings(r.ease.total)}) — {scale_stars(r.ease, min_ratings)}"],
        ["Удовлетворённость: «Удовлетворён» и «Скорее удовлетворён»",
         f"{pct(r.satisfaction.share)} ({ratings(r.satisfaction.total)}) — "
         f"{scale_stars(r.satisfaction, min_ratings)}"],
    ]))
    summary.notes.append(
        "«Бот ответил» — вопросы, на которые бот дал ответ из базы: сразу, после уточнения «Вы имели в виду…?» "
        "или когда человек выбрал один из предложенных вариантов (разбивка — в разделе «Решение бота»)."
    )
    summary.charts.append("outcomes")
    sections.append(summary)

    volume = Section("Обращения по каналам и сегментам")
    total_row = ["Всего", str(r.questions), str(r.people)]
    volume.tables.append(Table(["Канал", "Вопросов", "Людей"], [
        *([CHANNEL_NAMES.get(g.name, g.name), str(g.questions), str(g.people)] for g in r.by_channel), total_row,
    ]))
    volume.tables.append(Table(["Сегмент", "Вопросов", "Людей"], [
        *([g.name, str(g.questions), str(g.people)] for g in r.by_segment), total_row,
    ]))
    if r.channel_people_sum > r.people:
        volume.notes.append(
            f"Людей по каналам в сумме {r.channel_people_sum}, а всего {r.people}: человек, писавший в нескольких "
            "каналах, учтён в каждом из них, а во «Всего» — один раз."
        )
    if r.segment_people_sum > r.people:
        volume.notes.append(
            f"Людей по сегментам в сумме {r.segment_people_sum}, а всего {r.people}: человек, сменивший сегмент "
            "за период, учтён в каждом из своих сегментов, а во «Всего» — один раз."
        )
    volume.tables.append(Table(["Решение бота", "Вопросов", "Из них бот ответил"], [
        *([DECISION_NAMES.get(k, k), of(v, r.questions), str(r.answered_by_decision.get(k, 0))]
          for k, v in r.decisions.items()),
        ["Всего", str(r.questions), str(r.answered)],
    ]))
    volume.notes.append(
        "Каждый вопрос учтён один раз, по первому решению бота. «Из них бот ответил»: при уточнении — человек "
        "подтвердил статью, при трёх вариантах — выбрал один из них."
    )
    volume.paragraphs.append(
        f"Оператора позвали {times(r.operator_requests)}; бот сам предложил оператора {times(r.operator_offers)}."
    )
    sections.append(volume)

    ease = Section("Лёгкость решения вопроса")
    ease.paragraphs.append(_scale_line(r.ease, "«Легко» и «Скорее легко»", min_ratings))
    if r.ease.total:
        ease.tables.append(_scale_table(r.ease, EASE_LABELS))
        ease.charts.append("ease")
    ease.paragraphs.append(STAR_LEGEND)
    sections.append(ease)

    satisfaction = Section("Удовлетворённость")
    satisfaction.paragraphs.append(
        _scale_line(r.satisfaction, "«Удовлетворён» и «Скорее удовлетворён»", min_ratings)
    )
    if r.satisfaction.total:
        satisfaction.tables.append(_scale_table(r.satisfaction, SATISFACTION_LABELS))
        satisfaction.charts.append("satisfaction")
    if any(g.asked for g in r.survey):  # who was asked: helped, not helped, helped by an operator
        header, *rows = survey_table(r.survey)
        satisfaction.tables.append(Table(header, rows))
    if r.five is not None:
        satisfaction.paragraphs.append(
            f"Оценки от 1 до 5: {ratings(r.five.total)}, средняя {num(r.five.mean, 2)}."
        )
    else:
        satisfaction.paragraphs.append(f"Оценки от 1 до 5: {NO_DATA}.")
    if r.nps is not None:
        satisfaction.paragraphs.append(
            f"NPS: **{num(r.nps.score)}** ({plural(r.nps.total, 'ответ', 'ответа', 'ответов')}: "
            f"промоутеров {r.nps.promoters}, "
            f"нейтральных {r.nps.passives}, критиков {r.nps.detractors})."
        )
    else:
        satisfaction.paragraphs.append(f"NPS: {NO_DATA}.")
    sections.append(satisfaction)

    entries = Section("Статьи: «Это помогло?»")
    # Entries to review first, then the most rated; the full list is in the CSV format.
    rated = sorted((e for e in r.entries if e.yes + e.no), key=lambda e: (not e.flagged, -(e.yes + e.no), e.id))
    if rated:
        flagged = r.flagged
        entries.paragraphs.append(
            f"Требуют проверки: {len(flagged)} — статьи, которые часто не помогают."
            if flagged else "Статей, которые часто не помогают, нет."
        )
        shown = rated[: max(entry_limit, len(flagged))]
        entries.tables.append(Table(["Статья", "Показов", "Да", "Нет", "Доля «Да»", "Проверить"], [
            [f"{e.question} ({e.id})", str(e.answers), str(e.yes), str(e.no), pct(e.rate), "⚠ да" if e.flagged else ""]
            for e in shown
        ]))
        if len(rated) > len(shown):
            entries.notes.append(f"Показаны {len(shown)} из {len(rated)} статей с оценками; все — в формате CSV.")
    else:
        entries.paragraphs.append(f"Оценок статей: {NO_DATA}.")
    sections.append(entries)

    top = Section("Частые вопросы и темы")
    top.tables.append(Table(["Вопрос", "Показов ответа"], [[e.question, str(e.answers)] for e in r.top_questions]))
    top.tables.append(Table(["Тема", "Показов ответа"], [[name, str(n)] for name, n in r.top_topics]))
    sections.append(top)

    missing = Section("Вопросы без ответа")
    if r.unanswered:
        first = f" Самые частые {unanswered_limit}:" if len(r.unanswered) > unanswered_limit else ""
        missing.paragraphs.append(
            f"Всего {plural(r.unanswered_total, 'вопрос', 'вопроса', 'вопросов')} без хорошего ответа; "
            "групп похожих вопросов: "
            f"{len(r.unanswered)}.{first} Тексты групп для работы: python -m bot report unanswered --xlsx FILE."
        )
        missing.tables.append(Table(["Типичный вопрос", "Людей", "Вопросов", "Почему", "Ближайшая статья"], [
            [c.representative, str(c.people), str(c.count), reasons_text(c.reasons, 3),
             f"{c.nearest.question} ({num(c.nearest.score)})" if c.nearest else "—"]
            for c in r.unanswered[:unanswered_limit]
        ]))
        missing.notes.append(SCORE_NOTE)
    else:
        missing.paragraphs.append(f"Тексты вопросов без ответа: {NO_DATA}.")
    if r.no_pick:
        missing.notes.append(
            f"Кроме того, {times(sum(g.count for g in r.no_pick))} предложенные варианты не выбрали "
            f"({REASONS['suggest']}); текст таких вопросов не хранится."
        )
    sections.append(missing)

    operators = Section("Первый ответ операторов (норма — 2 часа)")
    fr = r.first_responses
    if fr is None or not fr.cases:
        operators.paragraphs.append(f"{NO_DATA.capitalize()}.")
    else:
        operators.tables.append(Table(["Показатель", "Значение"], [
            ["Обращений к операторам", str(fr.cases)],
            ["Получили ответ", str(fr.responded)],
            ["Ответ в пределах 2 часов", of(fr.within_norm, fr.cases)],
            ["Медиана, мин", num(fr.median_minutes, 0)],
            ["90 % ответов быстрее, мин", num(fr.p90_minutes, 0)],
        ]))
    sections.append(operators)

    notifications = Section("Уведомления: согласия и отказы")
    c = r.consents
    if c is None:
        notifications.paragraphs.append(f"{NO_DATA.capitalize()}.")
    else:
        notifications.tables.append(Table(["Показатель", "Значение"], [
            ["Включили уведомления, человек", f"{c.given} ({pct(c.opt_in_rate)} от обратившихся)"],
            ["Отключили, человек", f"{c.revoked} ({pct(c.opt_out_rate)} от получавших)"],
        ]))
        if c.kinds:
            notifications.tables.append(Table(
                ["Вид уведомлений", "Включили", "Отключили", "Включено на конец периода"],
                [[k.name, str(k.given), str(k.revoked), str(k.active_at_end)] for k in c.kinds],
            ))
    sections.append(notifications)

    weeks = Section("По неделям")
    weeks.tables.append(Table(
        ["Неделя", "С", "Вопросов", "Людей", "Ответил бот", "Решён", "Оператор", "«Легко» + «Скорее легко»"],
        [[w.label, w.start.strftime("%d.%m"), str(w.questions), str(w.people), pct(percent(w.answered, w.questions)),
          pct(percent(w.resolved, w.questions)), pct(percent(w.escalated, w.questions)),
          pct(percent(w.ease_positive, w.ease_total))] for w in r.weeks],
    ))
    weeks.charts.append("weeks")
    sections.append(weeks)

    return Document(
        "Отчёт цифрового помощника",
        f"Период: {r.period.label()}. Сформирован {generated.strftime('%d.%m.%Y %H:%M')}. "
        "Данные обезличены: отчёт считается только по журналу событий без имён и идентификаторов.",
        sections,
    )


def build_public(
    report: Report, generated: datetime, organisation: str = "", min_ratings: int = MIN_RATINGS_FOR_STARS
) -> Document:
    """The public summary (principle of openness): satisfaction, ease and stars only; stars only from
    ``min_ratings`` ratings up, always beside the number of ratings."""
    r = report
    rows = [
        ["Вопросов задано", str(r.questions)],
        ["Бот ответил", pct(r.answered_share)],
        ["«Легко» и «Скорее легко»", f"{pct(r.ease.share)}, всего {ratings(r.ease.total)}"],
        ["Уровень по стандарту (лёгкость)", scale_stars(r.ease, min_ratings)],
        ["«Удовлетворён» и «Скорее удовлетворён»",
         f"{pct(r.satisfaction.share)}, всего {ratings(r.satisfaction.total)}"],
        ["Уровень по стандарту (удовлетворённость)", scale_stars(r.satisfaction, min_ratings)],
    ]
    body = Section("Удовлетворённость клиентов", tables=[Table(["Показатель", "Значение"], rows)])
    body.paragraphs.append(STAR_LEGEND)
    who = f" {organisation}" if organisation else ""
    return Document(
        f"Как работает цифровой помощник{who}",
        f"Период: {r.period.label()}. Данные на {generated.strftime('%d.%m.%Y')}; оценки анонимные.",
        [body],
    )


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", "", doc.subtitle, ""]
    for section in doc.sections:
        out += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        for table in section.tables:
            if not table.rows:
                out += [f"_{NO_DATA}_", ""]
                continue
            out.append("| " + " | ".join(table.headers) + " |")
            out.append("|" + "|".join("---" for _ in table.headers) + "|")
            out.extend("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows)
            out.append("")
        for note in section.notes:
            out += [note, ""]
    return "\n".join(out).rstrip() + "\n"
