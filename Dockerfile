# briefbot: the Slack bot in one image. HTTP mode by default (PORT 3000); Socket Mode when SLACK_APP_TOKEN is set.
# Two stages: the builder installs exactly what requirements.lock pins (hashes checked) into /opt/venv; the final
# image gets that venv and the code, and no pip, setuptools or compiler. Both stages use the same base image,
# pinned by digest (python:3.11-slim; the Makefile's and CI's Python is 3.11 too — see .ci/run).
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY bot ./bot
COPY storage ./storage
COPY prompts ./prompts
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && find /opt/venv -name '__pycache__' -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    BRIEFBOT_DB=/data/briefbot.db \
    BRIEFBOT_HOST=0.0.0.0 \
    PORT=3000
# The base image's own pip and setuptools go too: nothing in the final image can install anything.
RUN rm -rf /usr/local/bin/pip* /usr/local/lib/python3.11/site-packages/pip* \
           /usr/local/lib/python3.11/site-packages/setuptools* /usr/local/lib/python3.11/ensurepip \
    && useradd --create-home --uid 10001 briefbot \
    && mkdir -p /data && chown briefbot:briefbot /data
COPY --from=builder /opt/venv /opt/venv

USER briefbot
WORKDIR /home/briefbot
# The OAuth install reads its bot scopes from manifest.json in the working directory.
COPY manifest.json ./
VOLUME ["/data"]
EXPOSE 3000

# The bot answers GET /healthz on PORT in HTTP and Socket Mode alike: 200 when it can work, else 503 (which
# urlopen raises on, failing the check) with the reasons.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

CMD ["briefbot", "run"]
