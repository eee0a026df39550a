"""The MAX channel (max.ru): the MAX Bot API through a thin aiohttp client, polling or a webhook."""
