# Kipinä: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KIPINA_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kipina

# Dependencies first, from pyproject.toml alone (the package directories are empty here), so
# a change to the code rebuilds only the layers below.
COPY pyproject.toml README.md ./
RUN mkdir backend learning_records engagement notifications \
    && pip install . \
    && pip uninstall --yes kipina \
    && rm -r backend learning_records engagement notifications

COPY manage.py ./
COPY backend backend
COPY learning_records learning_records
COPY engagement engagement
COPY notifications notifications
RUN pip install --no-deps .

# Static files are collected at build time for whitenoise's manifest storage (DEBUG off).
# The keys are throwaways: collectstatic signs nothing, but settings refuse to load without them.
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-at-build-time-only \
    KIPINA_BADGE_SIGNING_KEY="$(python -m engagement.badges.keys)" \
    python manage.py collectstatic --no-input \
    && chown -R kipina:kipina /app/var

USER kipina
EXPOSE 8000
# The command is the web server; docker-compose.yml runs worker and beat from this image too.
CMD ["gunicorn", "backend.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
