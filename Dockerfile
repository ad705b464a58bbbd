# Kiln: one image for every process, the command choosing which (see compose.yaml, Procfile).
#
#   docker compose build            on python:3.11-slim-bookworm, pulled from its registry
#   python -m deploy build          without a registry: on kiln-base:bookworm, built here from
#                                   Debian packages, and with this machine's pip (see deploy/)
#
# BASE_IMAGE: a Debian bookworm image with Python 3.11 and its venv module.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

# debootstrap lets `python -m sandbox build-images` make the sandbox images from inside a
# container (compose.yaml's sandbox-images service); git is there for reading repositories.
# A base that has both skips apt.
RUN missing=""; \
    for tool in debootstrap git; do command -v "$tool" >/dev/null || missing="$missing $tool"; done; \
    if [ -n "$missing" ]; then \
        apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/kiln kiln

# Python packages, into a virtual environment, from the package index: PyPI, or the one the
# PIP_* build arguments name (they reach pip as they are and show in the image's history:
# pass no credentials). Only pyproject.toml is copied first, so a change to the code reuses
# this layer.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
COPY pyproject.toml deploy/requirements.py /tmp/kiln/
RUN python3 -m venv /opt/kiln \
    && python3 /tmp/kiln/requirements.py /tmp/kiln/pyproject.toml > /tmp/kiln/requirements.txt \
    && /opt/kiln/bin/pip install --no-cache-dir --disable-pip-version-check --progress-bar off \
       -r /tmp/kiln/requirements.txt \
    && rm -rf /tmp/kiln

# Kiln itself (.dockerignore lets in only the packages, pyproject.toml and README.md).
COPY . /tmp/kiln/
RUN /opt/kiln/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps \
        --no-build-isolation /tmp/kiln \
    && rm -rf /tmp/kiln

ENV PATH=/opt/kiln/bin:$PATH PYTHONUNBUFFERED=1
# The web process needs no privilege; compose.yaml runs the Docker-using processes as root.
USER kiln
WORKDIR /var/lib/kiln
EXPOSE 3000
CMD ["uvicorn", "bot.app:app", "--host", "0.0.0.0", "--port", "3000", "--loop", "uvloop", \
     "--http", "bot.protocol:CoalescingHttpToolsProtocol", "--no-access-log"]
