# One image for web, worker and beat (docker-compose.yml). Python 3.11 on Debian bookworm.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv PATH=/app/.venv/bin:$PATH

# CJK font and HarfBuzz's subsetter for PDFs with Chinese text (weasyprint), curl for healthchecks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 \
      libpangoft2-1.0-0 curl \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --python python3.11
COPY . .
RUN DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=build python manage.py collectstatic --noinput \
 && useradd --system --uid 1000 hall && mkdir -p /app/var && chown -R hall /app/var
USER hall
EXPOSE 8000
CMD ["gunicorn", "hall.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"]
