"""A folder of finished experiment cells (one JSON file each), so an interrupted experiment resumes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


class CellCache:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.folder / f"{safe}.json"

    def get(self, name: str) -> dict[str, Any] | None:
        path = self._path(name)
        return json.loads(path.read_text()) if path.is_file() else None

    def put(self, name: str, value: dict[str, Any]) -> dict[str, Any]:
        path = self._path(name)
        tmp = path.with_suffix(".json.tmp")
        with tmp.open("w") as f:
            json.dump(value, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        return value

    def cached(self, name: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        found = self.get(name)
        return found if found is not None else self.put(name, compute())
