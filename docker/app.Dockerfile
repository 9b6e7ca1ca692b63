# Image for both app servers and migrations. The Rust crypto module builds from crates.io here
# (Docker hosts reach the registry); the offline Debian-crates path is only for scripts/*.sh.
FROM rust:1-slim-bookworm AS crypto
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m pip install --break-system-packages --no-cache-dir "maturin>=1.7,<2"
COPY shared/rust-crypto /build/rust-crypto
RUN cd /build/rust-crypto && maturin build --release --out /wheels

FROM python:3.12-slim-bookworm
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /usr/local/bin/uv
ENV UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY shared/rust-crypto ./shared/rust-crypto
RUN uv sync --frozen --no-dev --no-group test --no-install-package k-services-crypto
COPY --from=crypto /wheels /wheels
RUN uv pip install --python /opt/venv/bin/python --no-deps /wheels/*.whl
COPY . .
RUN useradd --system --uid 10001 kservices && mkdir -p /app/.run/mail /app/.run/bri && chown -R kservices /app/.run
USER kservices
EXPOSE 8001 8002
# Flags as in scripts/lib/stack.sh: no uvicorn access line per request (the gateway's access log has each one).
CMD ["uvicorn", "public_server:app", "--host", "0.0.0.0", "--port", "8001", "--proxy-headers", \
     "--timeout-keep-alive", "75", "--no-server-header", "--log-level", "warning", "--timeout-graceful-shutdown", "5"]
