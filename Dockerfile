# Dorpsplein: the web app (webhooks, pages, outbox worker) in one image.
#
#   docker build -t dorpsplein .
#   docker run -p 8000:8000 -v /srv/dorpsplein:/config \
#       -e DORPSPLEIN_CONFIG=/config/config.yml -e DORPSPLEIN_DATABASE_URL=postgresql://... \
#       -e TWILIO_ACCOUNT_SID=... -e TWILIO_AUTH_TOKEN=... dorpsplein
#
# Secrets come from the environment only. With PostgreSQL run `dorpsplein db upgrade` once per
# release (docker run ... dorpsplein db upgrade) before starting the new image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DORPSPLEIN_CONFIG=/config/config.yml \
    WORKERS=2

WORKDIR /app
COPY pyproject.toml README.md ./
COPY accounts ./accounts
COPY bot ./bot
COPY catalog ./catalog
COPY conversations ./conversations
COPY core ./core
COPY nlu ./nlu
COPY orders ./orders
RUN pip install . && useradd --create-home --uid 10001 dorpsplein \
    && mkdir -p /config && chown dorpsplein /config
# The example configuration; mount your own over /config (its SQLite default lands there too).
COPY --chown=dorpsplein config.yml /config/config.yml

USER dorpsplein
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
# Behind a reverse proxy that terminates https (see README: Deployment).
CMD ["sh", "-c", "exec dorpsplein serve --host 0.0.0.0 --port 8000 --workers ${WORKERS}"]
