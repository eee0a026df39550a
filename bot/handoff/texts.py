"""Russian texts of the operators' desk: for the person, and for the operators."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HandoffTexts:
    # --- to the person ---
    accepted: str = (
        "Передаю ваш вопрос сотруднику. Номер обращения — №{case}.\n"
        "Перед вами в очереди: {ahead}. Сотрудники отвечают {hours}.\n"
        "Пишите сюда всё, что поможет разобраться: я передам. Фото и документы тоже можно."
    )
    accepted_off_hours: str = (
        "Передаю ваш вопрос сотруднику. Номер обращения — №{case}.\n"
        "Сейчас нерабочее время: сотрудники отвечают {hours}. Вопрос сохранён и никуда не денется — "
        "его возьмут {next_open}, и я сразу напишу вам.\n"
        "Пока можно дописать подробности: я передам их вместе с вопросом."
    )
    already_open: str = "Ваш вопрос уже у сотрудников (обращение №{case}). Пишите сюда — я всё передам."
    solved_button: str = "Вопрос решён"
    relayed: str = "Передал сотруднику ✓"
    taken: str = "Сотрудник {operator} взял ваш вопрос (обращение №{case}) и скоро ответит здесь."
    taken_anonymous: str = "Сотрудник взял ваш вопрос (обращение №{case}) и скоро ответит здесь."
    transferred_person: str = "Ваш вопрос передан другому сотруднику (обращение №{case}). Он ответит здесь."
    operator_says: str = "**{operator}**, сотрудник:\n{text}"
    operator_says_anonymous: str = "**Сотрудник:**\n{text}"
    operator_corrects: str = "**{operator}**, сотрудник, исправил(а) сообщение:\n{text}"
    operator_corrects_anonymous: str = "**Сотрудник исправил сообщение:**\n{text}"
    closed_by_operator: str = "Сотрудник завершил обращение №{case}. Если вопрос остался — просто напишите его снова."
    closed_by_person: str = "Хорошо, обращение №{case} закрыто. Спасибо, что написали!"
    case_gone: str = "Обращение уже закрыто. Если вопрос остался, напишите его — я помогу или снова позову сотрудника."

    # --- to the operators ---
    topic_title: str = "№{case} · {segment} · {topic}"
    card: str = (
        "**Обращение №{case}** ({channel})\n"
        "Профиль: {segment}\n"
        "Открыто: {opened} · причина: {reason}\n\n"
        "**Что человек спрашивал у бота:**\n{history}\n\n"
        "Отвечайте прямо в этой теме — я перешлю ответ человеку. Команды: /answer ID — ответ из базы, "
        "/templates — готовые ответы."
    )
    card_no_history: str = "— (сразу попросил сотрудника)"
    history_line: str = "• «{query}» → {answer}{helped}"
    history_no_answer: str = "бот не нашёл ответа"
    helped_yes: str = " · помогло"
    helped_no: str = " · не помогло"
    take: str = "Взять"
    transfer: str = "Передать"
    close: str = "Закрыть"
    new_case: str = "🆕 Новое обращение №{case}: {segment}, {topic} ({channel}). В очереди: {queue}."
    person_wrote: str = "👤 {text}"
    person_file: str = "👤 [{kinds}] {text}"
    took: str = "✋ Обращение взял(а) {operator}."
    took_already: str = "Обращение уже взял(а) {operator}."
    took_self: str = "Обращение уже у вас."
    transferred: str = "↪️ {operator} передал(а) обращение. Нужен другой сотрудник — нажмите «Взять»."
    transfer_limit: str = (
        "⚠️ Обращение №{case} передавали уже {transfers} раза — больше передавать нельзя (вопрос не должен ходить "
        "по рукам). {supervisors}, помогите, пожалуйста."
    )
    transfer_refused: str = "Передавать больше нельзя: я позвал руководителя."
    closed_topic: str = "✅ Обращение закрыл(а) {operator}."
    closed_by_person_topic: str = "✅ Человек отметил, что вопрос решён. Обращение закрыто."
    deleted_topic: str = "🗑 Человек удалил свои данные. Обращение закрыто, отвечать больше некуда."
    closed_title: str = "✅ {title}"
    done: str = "Готово."
    file_not_relayed: str = (
        "📎 Файл человеку в {channel} не передан: туда бот пересылает только фото и документы до 20 МБ, и то "
        "если ключу сообщества даны права на них. Пришлите, пожалуйста, ссылку на файл текстом (текст "
        "сообщения, если был, доставлен)."
    )
    files_not_passed: str = (
        "📎 Файл ({files}) человеку в {channel} передать не удалось. Текст доставлен, и человеку сказано, что "
        "файл можно попросить ссылкой. Пришлите, пожалуйста, ссылку на файл."
    )
    file_lost: str = (
        "📎 Сотрудник прислал файл ({files}), но передать его сюда не удалось. Если он нужен, напишите — "
        "сотрудник пришлёт ссылку."
    )
    not_delivered_closed: str = "Обращение №{case} уже закрыто — сообщение человеку не отправлено."
    already_closed: str = "Обращение №{case} уже закрыто."
    not_taken_yet: str = "Обращение и так ждёт в очереди: передавать некому, его может взять любой сотрудник."
    not_delivered_blocked: str = (
        "⚠️ Человек заблокировал бота — сообщения ему больше не доходят. Обращение можно закрыть."
    )
    reply_in_topic: str = (
        "Отвечайте, пожалуйста, внутри темы обращения: сообщения из общего чата человеку не передаются."
    )
    not_operator: str = "Действовать в обращениях могут только участники группы операторов."
    unknown_case: str = "Не нашёл такое обращение."
    sla_reminder: str = "⏰ Обращение №{case} ждёт ответа уже {waited} (норма — {sla}). Возьмите его, пожалуйста."
    sla_escalation: str = "🚨 {supervisors}: обращение №{case} без ответа уже {waited} — вдвое дольше нормы."
    supervisors_none: str = "Руководитель"
    queue_empty: str = "Очередь пуста 🎉"
    queue_head: str = "**Открытые обращения** (сначала самые старые):"
    queue_line: str = "№{case} · {status} · ждёт {waited} · {segment}, {topic}"
    status_new: str = "в очереди"
    status_taken: str = "у {operator}"
    stats: str = (
        "**Сегодня** ({day}):\n"
        "Новых обращений: {new}\nЗакрыто: {closed}\nСейчас открыто: {open}\n"
        "Медиана первого ответа: {median}\nНарушений срока ответа ({sla}): {breaches}"
    )
    no_data: str = "—"
    templates_none: str = "Готовых ответов нет. Их задаёт администратор в [handoff.templates] конфигурации."
    templates_head: str = "Готовые ответы — нажмите кнопку внутри темы обращения, чтобы отправить:"
    use_in_topic: str = "Эту команду нужно давать внутри темы обращения."
    answer_usage: str = "Напишите /answer и номер (id) статьи базы знаний, например: /answer {example}"
    answer_unknown: str = "Статьи «{entry}» в базе нет. Проверьте id (его видно в /kb_check и в выгрузке базы)."
    answer_sent: str = "📚 Отправлен ответ из базы: «{question}»."
    template_sent: str = "📝 Отправлен готовый ответ «{name}»."
    template_unknown: str = "Готового ответа «{name}» нет."
    help: str = (
        "**Как работать с обращениями**\n"
        "• Каждое обращение — отдельная тема. Нажмите «Взять», отвечайте прямо в теме: я перешлю текст, фото "
        "и документы человеку.\n"
        "• «Передать» — вернуть обращение в очередь для другого сотрудника (не больше {transfers} раз).\n"
        "• «Закрыть» — вопрос решён; человек получит просьбу оценить помощь.\n"
        "• /queue — очередь, /stats — показатели за сегодня, /templates — готовые ответы, "
        "/answer ID — ответ из базы знаний.\n"
        "• Редакторам: /kb_check, /reload, /unanswered."
    )
    segment_citizen: str = "гражданин"
    segment_business: str = "предприниматель"
    segment_none: str = "не указан"
    topic_unknown: str = "без темы"
    reasons: tuple[tuple[str, str], ...] = (
        ("command", "команда /operator"),
        ("button", "кнопка «Позвать оператора»"),
        ("failures", "бот дважды не помог"),
        ("words", "попросил сотрудника"),
    )

    def format(self, template: str, **values: object) -> str:
        return template.format(**values)

    def reason(self, code: str) -> str:
        return dict(self.reasons).get(code, code)

    def segment(self, segment: str | None) -> str:
        return {"citizen": self.segment_citizen, "business": self.segment_business}.get(
            segment or "", self.segment_none
        )
