"""HTTP client of the lineage service, as a robot uses it: champion download and batched outcome reports.

Only HTTP and JSON: this package never imports the service's code. Reports are idempotent by attempt id,
so a batch whose answer was lost is simply sent again.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from qtopt_finetune.checkpoint_archive import extract_archive

SHA_HEADER = "X-Checkpoint-SHA256"


@dataclass(frozen=True)
class ChampionInfo:
    policy_id: str
    name: str
    sha256: str


class ServiceError(RuntimeError):
    """The service refused a request; the message carries its status and reason."""


class FleetClient:
    def __init__(self, base_url: str, key: str, timeout_s: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=timeout_s)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FleetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise ServiceError(
                f"{response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text[:300]}"
            )
        return response

    def champion(self) -> ChampionInfo:
        body = self._check(self.http.get("/api/champion")).json()
        return ChampionInfo(body["id"], body["name"], body["checkpoint_sha256"])

    def download_champion(self, cache_dir: str | Path) -> tuple[ChampionInfo, Path]:
        """The champion's checkpoint under `cache_dir/<policy id>`, downloaded and hash-checked once."""
        info = self.champion()
        dest = Path(cache_dir) / info.policy_id
        if (dest / "manifest.json").exists():
            return info, dest
        response = self._check(self.http.get("/api/champion/checkpoint"))
        sha = response.headers.get(SHA_HEADER, "")
        if sha != info.sha256:
            raise ServiceError(f"champion changed during download ({sha[:12]} != {info.sha256[:12]}); retry")
        tmp = dest.with_name(f".{dest.name}.partial")
        extract_archive(response.content, sha, tmp)
        tmp.rename(dest)
        return info, dest

    def report(self, outcomes: list[dict[str, Any]], retries: int = 5) -> dict[str, int]:
        """Send one batch; retried with backoff on connection errors and 5xx (it is idempotent)."""
        delay = 0.2
        for attempt in range(retries + 1):
            try:
                response = self.http.post("/api/outcomes", json={"outcomes": outcomes})
                if response.status_code < 500:
                    result: dict[str, int] = self._check(response).json()
                    return result
            except httpx.TransportError:
                if attempt == retries:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise ServiceError(f"POST /api/outcomes kept failing after {retries} retries")


def attempt_id(robot: str, policy_id: str, seed: int, start: float) -> str:
    """Stable for one grasp: the same episode reported twice gets the same id."""
    return hashlib.sha256(f"{robot}|{policy_id}|{seed}|{start:.6f}".encode()).hexdigest()[:32]
