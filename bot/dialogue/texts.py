"""Every text the dialogue shows people, in one place: plain, friendly Russian (4.6.5.11–4.6.5.12).

Placeholders in braces are filled from the configuration: {name}, {organisation}, {policy_url}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Texts:
    greeting: str = (
        "Здравствуйте! Я {name} {organisation}.\n\n"
        "Я отвечаю на вопросы{topics}. {fallback}\n\n"
        "Просто напишите вопрос своими словами или выберите тему: /menu.\n\n"
        "Я сохраняю переписку только для того, чтобы ответить вам и улучшить ответы; "
        "статистику веду без имён. Подробнее: [политика обработки данных]({policy_url}). "
        "Первым я пишу только с вашего согласия — о нём спрошу отдельно (/settings). "
        "Удалить свои данные: /forget."
    )
    greeting_topics: str = " по темам: {topics}"  # {topics} of the greeting, from the loaded base
    more_topics: str = " и другим"
    fallback_operator: str = "Если я не смогу помочь, позову сотрудника."
    fallback_contacts: str = "Если я не смогу помочь, подскажу, как связаться с сотрудниками."
    fallback_none: str = ""
    ask_segment: str = "Подскажите, кто вы? Так я смогу отвечать точнее."
    segment_citizen: str = "Гражданин"
    segment_business: str = "Предприниматель"
    segment_skip: str = "Пропустить"
    segment_saved_citizen: str = "Спасибо! Буду отвечать для граждан. Изменить: /profile."
    segment_saved_business: str = "Спасибо! Буду отвечать для предпринимателей. Изменить: /profile."
    segment_saved_none: str = "Хорошо. Буду отвечать для всех. Указать позже: /profile."
    segment_now_ask: str = "Задайте вопрос — я постараюсь помочь."
    small_talk_hello: str = "Здравствуйте! Напишите вопрос своими словами — я постараюсь помочь. Темы: /menu."
    small_talk_thanks: str = "Пожалуйста! Если появятся ещё вопросы — пишите."
    small_talk_bye: str = "Всего доброго! Если появятся вопросы — пишите, я на связи."
    small_talk_ok: str = "Хорошо. Если появятся вопросы — пишите."
    small_talk_chat: str = (
        "Спасибо, у меня всё хорошо! Я помогаю с вопросами к администрации — напишите, что вас интересует, "
        "или выберите тему: /menu."
    )
    small_talk_rude: str = (
        "Жаль, что пока не получилось помочь. Напишите, пожалуйста, вопрос другими словами — "
        "или нажмите кнопку ниже."
    )
    profile: str = "Сейчас я отвечаю {who}. Кто вы?"
    profile_who_citizen: str = "для граждан"
    profile_who_business: str = "для предпринимателей"
    profile_who_none: str = "для всех (профиль не выбран)"

    help: str = (
        "Как со мной общаться:\n"
        "- напишите вопрос своими словами, например «как записаться в МФЦ»;\n"
        "- /menu — темы и вопросы, чтобы выбрать кнопками;\n"
        "- /operator — позвать сотрудника;\n"
        "- /profile — гражданин или предприниматель;\n"
        "- /settings — уведомления: какие, как часто, тихие часы, часовой пояс;\n"
        "- /reminders — мои напоминания;\n"
        "- /stop — отключить все уведомления;\n"
        "- /link — связать чаты в Telegram, VK и MAX, чтобы профиль и согласия были общими;\n"
        "- /forget — удалить мои данные."
    )
    menu: str = "Выберите тему:"
    topic: str = "{topic}. Выберите вопрос:"
    topic_empty: str = "В этой теме пока нет вопросов для вашего профиля."
    back_to_topics: str = "« Темы"
    topics_button: str = "Темы"

    helped_question: str = "Это помогло?"
    yes: str = "Да"
    no: str = "Нет"
    call_operator: str = "Позвать оператора"
    related: str = "Ещё по теме:"
    related_prefix: str = "→ "
    remind_button: str = "🔔 Напомнить?"
    notifications_unavailable: str = "Уведомления и напоминания в этом канале недоступны."
    links: str = "Полезные ссылки:"

    confirm: str = "Вы имели в виду: «{question}»?"
    suggest: str = "Я не совсем уверен, что понял. Возможно, вы имели в виду:"
    other: str = "Другое"
    not_found: str = (
        "Не нашёл ответа на этот вопрос. Попробуйте сформулировать иначе — короче и своими словами{examples}. "
        "Можно выбрать тему{reach}."
    )
    reach_operator: str = " или позвать сотрудника"  # {reach}: only what is configured
    reach_contacts: str = " или посмотреть контакты сотрудников"
    not_found_examples: str = ", например {examples}"
    popular_topics: str = "Популярные темы:"
    rephrase: str = "Жаль, что не помогло. Попробуйте сформулировать вопрос иначе."
    rephrase_with_options: str = (
        "Жаль, что не помогло. Возможно, подойдёт один из этих ответов — или сформулируйте вопрос иначе:"
    )
    after_other: str = "Хорошо. Сформулируйте, пожалуйста, вопрос иначе{reach}."
    offer_operator: str = (
        "Кажется, я не могу вам помочь сам. Давайте я позову сотрудника — он ответит в этом чате."
    )
    offer_contacts: str = (
        "Кажется, я не могу вам помочь сам. Сотрудники ответят по официальным контактам — нажмите кнопку ниже."
    )
    contacts_button: str = "Контакты сотрудников"
    glad: str = "Рад, что помог!"

    satisfaction_question: str = "Насколько вы удовлетворены ответом?"
    operator_satisfaction_question: str = "Насколько вы удовлетворены помощью сотрудника?"
    case_closed_by_person: str = "Хорошо, обращение №{case} закрыто. Спасибо, что написали!"
    case_already_closed: str = "Это обращение уже закрыто. Если вопрос остался — просто напишите его."
    satisfaction_scale: tuple[str, str, str, str] = (
        "Удовлетворён",
        "Скорее удовлетворён",
        "Скорее не удовлетворён",
        "Не удовлетворён",
    )
    ease_question: str = "Легко ли было решить вопрос?"
    ease_scale: tuple[str, str, str, str] = ("Легко", "Скорее легко", "Скорее сложно", "Сложно")
    comment_question: str = "Хотите что-то добавить? Напишите комментарий или нажмите «Пропустить»."
    skip: str = "Пропустить"
    thanks_for_rating: str = "Спасибо за оценку! Она помогает нам работать лучше."
    rating_done: str = "Спасибо, ваша оценка уже учтена."
    survey_left: str = "Хорошо, без оценки. Если появятся вопросы — пишите."

    non_text: str = (
        "Я пока понимаю только текст. Пожалуйста, опишите вопрос словами — "
        "а если нужно передать документ или фото, позовите сотрудника: /operator."
    )
    empty: str = "Напишите, пожалуйста, ваш вопрос словами."
    too_long: str = (
        "Сообщение очень длинное — я прочитал его начало. Если ответ не подойдёт, "
        "сформулируйте главный вопрос короче."
    )
    stale_button: str = "Эта кнопка уже не действует. Напишите вопрос или откройте темы: /menu."
    already_answered: str = "Спасибо, ответ уже учтён."
    unknown_command: str = "Такой команды я не знаю. Список команд: /help."

    no_operators: str = (
        "Сейчас передать вопрос сотруднику в этом чате нельзя. "
        "Обратитесь, пожалуйста, в администрацию по официальным контактам на её сайте."
    )
    contacts: str = "Сотрудники не отвечают в этом чате, но с ними можно связаться:\n\n{contacts}"

    forget_confirm: str = (
        "Удалить все ваши данные у бота: профиль, переписку, согласия и напоминания? "
        "Это нельзя отменить. Статистика без имён останется."
    )
    forget_yes: str = "Удалить"
    forget_no: str = "Не удалять"
    forgotten: str = "Готово: ваши данные удалены. Если напишете снова, я начну с чистого листа."
    forget_cancelled: str = "Хорошо, ничего не удаляю."

    link_code: str = (
        "Ваш код: {code}\n\n"
        "Откройте чат с ботом в другом мессенджере (Telegram, VK или MAX) и отправьте там сообщение:\n"
        "/link {code}\n\n"
        "Код действует {minutes} минут и только один раз. Никому его не сообщайте."
    )
    link_done: str = (
        "Готово: чаты связаны. Профиль, согласия и напоминания теперь общие для Telegram, VK и MAX."
    )
    link_already: str = "Эти чаты уже связаны."
    link_invalid: str = (
        "Код не подошёл: он неверный, устарел или уже использован. Получите новый командой /link "
        "в другом мессенджере."
    )
    link_same_channel: str = "Этот код нужно ввести в другом мессенджере, а не здесь."
    link_conflict: str = (
        "Не получилось связать: к одному из профилей уже привязан другой аккаунт в этом мессенджере."
    )
    link_too_many: str = "Слишком много неверных кодов. Попробуйте снова через час."

    def format(self, template: str, **values: object) -> str:
        return template.format(**values)


SATISFACTION_VALUES = (4, 3, 2, 1)  # the standard's scale, best first
EASE_VALUES = (4, 3, 2, 1)
