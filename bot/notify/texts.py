"""Every text of consents, settings, reminders and notifications (Russian), kept apart from the
dialogue's texts. ``wording_version`` in the config names the version of these texts that consents
are recorded against: bump it when the consent wording changes."""

from __future__ import annotations

from dataclasses import dataclass, field


def _categories() -> dict[str, str]:
    return {
        "notify:content": "Новые услуги и меры поддержки",
        "notify:transactional": "Статус моих обращений",
        "notify:trigger": "Напоминания и приглашения оценить услугу",
    }


def _reasons() -> dict[str, str]:
    return {
        "notify:content": "вы включили новости о новых услугах и мерах поддержки",
        "notify:transactional": "вы включили уведомления о статусе своих обращений",
        "notify:trigger": "вы включили напоминания и приглашения оценить услугу",
        "topic": "вы подписались на новости по теме «{topic}»",
        "reminder": "вы сами попросили напомнить",
    }


@dataclass(frozen=True, slots=True)
class NotifyTexts:
    categories: dict[str, str] = field(default_factory=_categories)
    reasons: dict[str, str] = field(default_factory=_reasons)
    frequency: dict[str, str] = field(
        default_factory=lambda: {"immediate": "сразу", "daily": "раз в день", "weekly": "раз в неделю"}
    )

    settings: str = (
        "**Уведомления**\n"
        "Я пишу первым только о том, что вы включили здесь. Отключить всё: /stop.\n"
        "Кнопки ниже включают (✅) и отключают (⬜) каждый вид уведомлений.\n\n"
        "Новости: {frequency}\n"
        "Тихие часы: {quiet} (в это время я молчу)\n"
        "Часовой пояс: {zone}\n"
        "Темы: {topics}"
    )
    on: str = "✅"
    off: str = "⬜"
    quiet_none: str = "нет"
    topics_none: str = "не выбраны"
    button_frequency: str = "Частота новостей: {value}"
    button_quiet: str = "Тихие часы: {value}"
    button_zone: str = "Часовой пояс"
    button_topics: str = "Темы (жизненные ситуации)"
    button_stop_all: str = "Отключить всё"
    button_back: str = "← Назад к настройкам"
    zones_title: str = "Выберите часовой пояс — уведомления и напоминания будут приходить по вашему времени."
    topics_title: str = (
        "Сообщать о новых услугах и мерах поддержки по теме — отметьте, что вам интересно. "
        "Отписаться можно в любой момент."
    )
    pd_request: str = (
        "Чтобы писать вам первым, мне нужно хранить ваш идентификатор в мессенджере и ваши настройки "
        "уведомлений. Данные используются только для этих сообщений и удаляются командой /forget. "
        "[Политика обработки данных]({policy_url}).\n\nСогласны?"
    )
    pd_yes: str = "Согласен(на)"
    pd_no: str = "Нет"
    pd_declined: str = "Хорошо, ничего не включаю. На вопросы я отвечаю и без этого."
    switched_on: str = "Включено: {what}."
    switched_off: str = "Отключено: {what}."
    stopped: str = (
        "Готово: все уведомления и подписки отключены, напоминания тоже не придут. "
        "На вопросы я отвечаю как прежде. Включить снова: /settings."
    )
    stopped_nothing: str = "Уведомления и так выключены. Включить: /settings."
    unsubscribed: str = "Готово: вы отписались — {what}. Остальные настройки: /settings."
    unsubscribed_already: str = "Вы уже отписаны — {what}. Настройки: /settings."

    remind_button: str = "🔔 Напомнить?"
    remind_ask: str = (
        "Когда напомнить о «{title}»? Выберите или напишите, например: «завтра в 10», «через 3 дня», "
        "«15.12 в 9:30», «в пятницу».\n\n"
        "Выбирая время, вы соглашаетесь, что я сохраню напоминание и пришлю его вам (время — {zone})."
    )
    remind_tomorrow: str = "Завтра в {hour}:00"
    remind_in_days: str = "Через 3 дня"
    remind_in_week: str = "Через неделю"
    remind_cancel_choice: str = "Не нужно"
    remind_set: str = "Напомню {when} ({zone}). Мои напоминания: /reminders."
    remind_shifted: str = "Это попадает в тихие часы, поэтому напомню {when} ({zone}). Мои напоминания: /reminders."
    remind_past: str = "Это время уже прошло. Напишите дату в будущем, например «завтра в 10»."
    remind_too_far: str = "Так далеко вперёд я не напоминаю: выберите дату в пределах года."
    remind_unparsed: str = (
        "Не понял дату. Напишите, например: «завтра в 10», «через 3 дня», «15.12 в 9:30» или «в пятницу»."
    )
    remind_cap: str = (
        "У вас уже {count} напоминаний — это максимум. Отмените ненужные в /reminders и попробуйте снова."
    )
    remind_dropped: str = "Хорошо, без напоминания."
    reminders_none: str = "Напоминаний нет. Их можно поставить после ответа о записи или сроке: кнопка «🔔 Напомнить?»."
    reminders_list: str = "Ваши напоминания ({zone}):\n{items}\n\nОтменить — кнопкой ниже."
    reminders_cancel: str = "Отменить {n}"
    reminder_cancelled: str = "Напоминание отменено."
    reminder_gone: str = "Этого напоминания уже нет."
    reminder_message: str = "🔔 Напоминание: {title}"
    open_answer: str = "Открыть ответ"

    footer: str = "ℹ️ Это сообщение пришло, потому что {reason} ({date}). Отписаться — кнопка ниже или /stop."
    unsubscribe: str = "Отписаться"
    digest_title: str = "**Новости для вас** ({count})"
    rating_invitation: str = (
        "Недавно вы обращались к сотруднику (обращение {case}). Насколько вы довольны тем, как решили ваш вопрос? "
        "Это займёт одно касание."
    )
    rating_thanks: str = "Спасибо за оценку! Она поможет нам работать лучше."
    rating_done: str = "Эта оценка уже получена — спасибо!"
    unavailable: str = "Уведомления сейчас недоступны."
    zone_names: dict[str, str] = field(
        default_factory=lambda: {
            "Europe/Kaliningrad": "Калининград (UTC+2)",
            "Europe/Moscow": "Москва (UTC+3)",
            "Europe/Samara": "Самара (UTC+4)",
            "Asia/Yekaterinburg": "Екатеринбург (UTC+5)",
            "Asia/Omsk": "Омск (UTC+6)",
            "Asia/Krasnoyarsk": "Красноярск (UTC+7)",
            "Asia/Irkutsk": "Иркутск (UTC+8)",
            "Asia/Yakutsk": "Якутск (UTC+9)",
            "Asia/Vladivostok": "Владивосток (UTC+10)",
            "Asia/Magadan": "Магадан (UTC+11)",
            "Asia/Kamchatka": "Камчатка (UTC+12)",
        }
    )

    def zone_name(self, name: str) -> str:
        return self.zone_names.get(name, name)
