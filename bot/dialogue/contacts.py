"""The administration's contacts, shown wherever an operator would be when no operators' desk is set
up (and in the greeting only what is configured)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contacts:
    phone: str = ""
    email: str = ""
    hours: str = ""  # reception hours, as people should read them: «пн–чт 9:00–18:00, пт 9:00–16:45»
    address: str = ""
    online_reception: str = ""  # a link to the online reception (интернет-приёмная)

    @property
    def configured(self) -> bool:
        return any((self.phone, self.email, self.address, self.online_reception))

    def describe(self) -> str:
        """The configured contacts, one a line; empty when none is configured."""
        lines = [
            f"📞 Телефон: {self.phone}" if self.phone else "",
            f"✉️ Эл. почта: {self.email}" if self.email else "",
            f"🌐 Интернет-приёмная: {self.online_reception}" if self.online_reception else "",
            f"🏢 Адрес: {self.address}" if self.address else "",
            f"🕘 Часы приёма: {self.hours}" if self.hours else "",
        ]
        return "\n".join(line for line in lines if line)
