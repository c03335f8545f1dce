# The lineage service and dashboard (`qtopt serve`). CPU torch: the service itself trains nothing; adaptation
# jobs run on the Ray cluster (QTOPT_JOB_BACKEND=ray, QTOPT_RAY_ADDRESS).
#   docker build -f deploy/service.Dockerfile -t qtopt-service .
FROM python:3.11-slim-bookworm

ARG TORCH_VERSION=2.13.0
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RAY_USAGE_STATS_ENABLED=0 OMP_NUM_THREADS=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libusb-1.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 qtopt

WORKDIR /app
# torch first (the CPU wheel), so the project's pin is met and no CUDA build is pulled in
RUN pip install "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY qtopt_finetune qtopt_finetune
COPY robot_drivers robot_drivers
COPY services services
RUN pip install -e .
COPY checkpoints checkpoints

RUN mkdir -p /data && chown qtopt /data
USER qtopt
ENV QTOPT_DATA_DIR=/data/service
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# 0.0.0.0 inside the container only; docker-compose.yml publishes the port on the host's loopback
CMD ["qtopt", "serve", "--host", "0.0.0.0", "--port", "8000"]
