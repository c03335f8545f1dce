# A Ray node (head or worker) with the project installed: replay shards, Bellman updaters, the learner,
# sim collectors and the service's adaptation jobs all run in it.
#   CPU:  docker build -f deploy/ray.Dockerfile -t qtopt-ray .
#   CUDA: docker build -f deploy/ray.Dockerfile --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 \
#             -t qtopt-ray:cuda .   (run it with a GPU: the learner actor asks Ray for one when it is there)
FROM python:3.11-slim-bookworm

ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RAY_USAGE_STATS_ENABLED=0 OMP_NUM_THREADS=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libusb-1.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 qtopt

WORKDIR /app
RUN pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX}"
COPY pyproject.toml README.md ./
COPY qtopt_finetune qtopt_finetune
COPY robot_drivers robot_drivers
COPY services services
RUN pip install -e .
COPY checkpoints checkpoints

RUN mkdir -p /data && chown qtopt /data
USER qtopt
# docker-compose.yml and the KubeRay manifest give the `ray start` command (head or worker)
CMD ["ray", "start", "--head", "--port=6379", "--block"]
