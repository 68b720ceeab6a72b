# briefbot: the Slack bot in one image. HTTP mode by default (PORT 3000); Socket Mode when SLACK_APP_TOKEN is set.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BRIEFBOT_DB=/data/briefbot.db \
    BRIEFBOT_HOST=0.0.0.0 \
    PORT=3000

WORKDIR /app
# manifest.json: the OAuth install reads its bot scopes from it
COPY pyproject.toml README.md manifest.json ./
COPY bot ./bot
COPY storage ./storage
COPY prompts ./prompts
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 briefbot \
    && mkdir -p /data && chown briefbot:briefbot /data

USER briefbot
VOLUME ["/data"]
EXPOSE 3000

# In HTTP mode the bot answers GET /healthz; in Socket Mode there is no port, so the check passes trivially.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, sys, urllib.request; sys.exit(0) if os.environ.get('SLACK_APP_TOKEN') else urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

CMD ["briefbot", "run"]
