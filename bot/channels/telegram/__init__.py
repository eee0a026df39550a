"""The Telegram channel (aiogram 3): updates in, rendered replies out, polling or webhook."""
