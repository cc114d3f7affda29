# The CPO Portal image: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint needs pango; gettext compiles the translations; fonts for PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f \
 && pip install --no-cache-dir uv \
 && useradd --create-home --uid 1000 cpo

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DEBUG=true python manage.py compilemessages --ignore=.venv -v0 \
 && SECRET_KEY=collectstatic ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input -v0 \
 && mkdir -p /app/var && chown -R cpo /app/var

USER cpo
EXPOSE 8000
CMD ["gunicorn", "cpo_portal.wsgi:application", "--config", "gunicorn.conf.py"]
