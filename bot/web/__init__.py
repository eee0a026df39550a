"""The web console for editors, analysts and supervisors: aiohttp, Jinja2 templates, no external resources."""
