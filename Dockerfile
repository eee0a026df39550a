# The bot in a container: slim, runs as an unprivileged user, keeps its data in the /data volume.
# Build: docker build -t citizen-bot .   Run with PostgreSQL: see compose.yaml and docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_BOT__DATA_DIR=/data \
    BOT_HEALTH__PORT=8090

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot

WORKDIR /app
# the project itself: the package, its migrations and the demo knowledge base (mount a region's own
# base over /app/knowledge_base, or point BOT_KNOWLEDGE_BASE__PATH elsewhere)
COPY pyproject.toml README.md alembic.ini config.example.toml ./
COPY bot ./bot
COPY migrations ./migrations
COPY knowledge_base ./knowledge_base
RUN pip install -e '.[postgres]' \
    && mkdir -p /data && chown bot:bot /data

USER bot
VOLUME ["/data"]
# 8080: Telegram webhook (telegram.mode = "webhook"); 8082: VK Callback API; 8090: GET /health
EXPOSE 8080 8090
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8090/health', timeout=8).status != 200)"
CMD ["bot", "run"]
