FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1 \
    APP_HOME=/srv/app
WORKDIR $APP_HOME
RUN <<EOF
set -eu
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF
COPY <<-"CONF" /etc/app.conf
	home=$APP_HOME
	debug=false
	CONF
COPY --chown=1000:1000 <<EOF ${APP_HOME}/settings.py
HOME = "$APP_HOME"
EOF
RUN --mount=type=secret,id=pip_token,env=PIP_TOKEN \
    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    pip install -r /tmp/requirements.txt
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -fsS http://localhost:8000/health || exit 1
LABEL org.opencontainers.image.title="demo app" \
      org.opencontainers.image.version=1.0
VOLUME ["/srv/app/data"]
STOPSIGNAL SIGINT
CMD ["python", "-m", "app"]
