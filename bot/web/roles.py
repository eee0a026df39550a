"""Roles of console accounts and the pages each may open."""

from __future__ import annotations

ADMIN, EDITOR, ANALYST, OPERATOR = "admin", "editor", "analyst", "operator"
ROLES = (ADMIN, EDITOR, ANALYST, OPERATOR)
ROLE_NAMES = {ADMIN: "администратор", EDITOR: "редактор", ANALYST: "аналитик", OPERATOR: "оператор"}

# page -> (title in the menu, path, roles allowed)
PAGES: dict[str, tuple[str, str, frozenset[str]]] = {
    "dashboard": ("Показатели", "/", frozenset({ADMIN, EDITOR, ANALYST})),
    "kb": ("База знаний", "/kb", frozenset({ADMIN, EDITOR})),
    "unanswered": ("Вопросы без ответа", "/unanswered", frozenset({ADMIN, EDITOR, ANALYST})),
    "broadcasts": ("Рассылки", "/broadcasts", frozenset({ADMIN, EDITOR})),
    "cases": ("Обращения к операторам", "/cases", frozenset({ADMIN, OPERATOR, ANALYST})),
    "accounts": ("Учётные записи", "/accounts", frozenset({ADMIN})),
}
# Actions that change something, beyond opening the page.
UNANSWERED_ACTIONS = frozenset({ADMIN, EDITOR})


def allowed(role: str, page: str) -> bool:
    return role in PAGES[page][2]


def home(role: str) -> str:
    """The first page a role may open (where a login lands)."""
    for _title, path, roles in PAGES.values():
        if role in roles:
            return path
    return "/login"
