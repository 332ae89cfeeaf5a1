# syntax=docker/dockerfile:1
# The OPD site: gunicorn serving opd_site.wsgi on port 8000, static files by WhiteNoise.
#
# BASE_IMAGE: the official Python image by default; any Debian root filesystem with python3,
# python3-venv and ca-certificates works as well (docs/deployment.md makes one with debootstrap,
# for a network that reaches Debian's mirrors but no container registry).
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt /tmp/requirements.txt
# Behind a TLS-inspecting proxy, or with the hospital's own package index, pass the CA bundle
# and a pip configuration as build secrets: mounted for this step only, never in a layer.
#   --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt --secret id=pip_conf,src=pip.conf
RUN --mount=type=secret,id=ca_bundle \
    --mount=type=secret,id=pip_conf \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi; \
    if [ -s /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi; \
    pip install -r /tmp/requirements.txt


# The Hindi catalogue compiled (.mo files are build output, not in the repository); GNU gettext
# stays in this stage, out of the runtime image.
FROM ${BASE_IMAGE} AS messages
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY locale /src/locale
RUN find /src/locale -name '*.po' -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \;


FROM ${BASE_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=opd_site.settings \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000
RUN groupadd --system opd \
    && useradd --system --gid opd --home-dir /app --no-create-home --shell /usr/sbin/nologin opd
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . /app
COPY --from=messages /src/locale /app/locale
# Collect static files at build time. The key and the (console) delivery backends exist only for
# this one command: the running container must be given its own SECRET_KEY (or SECRET_KEY_FILE),
# EMAIL_BACKEND and SMS_BACKEND, and refuses to start without them.
# The code and static files stay owned by root: the app user can read them, not change them.
RUN SECRET_KEY="collectstatic-only-build-key" \
    EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend" \
    SMS_BACKEND="scheduling.sms.ConsoleSMSBackend" \
    python manage.py collectstatic --noinput
USER opd
EXPOSE 8000
# /healthz through the app as the proxy would call it: a host it serves, over "https".
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]
CMD ["gunicorn", "opd_site.wsgi", "--config", "gunicorn.conf.py"]
