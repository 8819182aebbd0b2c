# The production image: web, worker and beat all run it (docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: the source in /app wins over the copy pip puts in site-packages, because settings
# find templates/, static/ and var/ beside config/, which only the source tree has.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install . && pip uninstall -y erkend && rm -rf build *.egg-info

COPY . .
# The Dutch catalogue: the .mo files are build outputs (not in git), compiled from the .po.
RUN pip install --no-deps . && rm -rf build *.egg-info \
    && pybabel compile -d locale -D django \
    && useradd --system --create-home --home-dir /home/erkend --shell /usr/sbin/nologin erkend \
    && mkdir -p var staticfiles \
    && chown erkend:erkend var staticfiles

# Not root: a hole in the app or a dependency gets no more than this user can do.
USER erkend

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
