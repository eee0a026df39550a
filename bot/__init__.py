"""Digital assistant for citizens and entrepreneurs: one dialogue core for Telegram, VK and a console."""

__version__ = "0.1.0"
