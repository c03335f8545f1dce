"""What the dashboard shows, gathered from the database in one pass."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.dashboard.svg import Bar, Marker, Point, interval_bars, time_series
from services.db.models import AdaptationJob, GraspAttempt, Robot, Variation
from services.domain.adaptations import job_view
from services.domain.policies import champion, lineage_forest
from services.domain.promotion import history
from services.domain.success import Filters, policy_names, success_by, success_series

FLEET_WINDOWS = (
    ("last hour", timedelta(hours=1)),
    ("last 24 hours", timedelta(days=1)),
    ("last 7 days", timedelta(days=7)),
)
SERIES_WINDOW, SERIES_BUCKET = timedelta(hours=6), timedelta(minutes=10)


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime


def fleet_charts(session: Session, now: datetime) -> list[Any]:
    charts = []
    for label, span in FLEET_WINDOWS:
        rates = success_by(session, "robot", Filters(now - span, now))
        bars = [Bar(r.key, r.rate, r.ci_low, r.ci_high, r.attempts) for r in rates]
        charts.append(interval_bars(bars, f"Success per robot, {label} (95% Wilson intervals)"))
    return charts


def _series_start(session: Session, now: datetime) -> datetime:
    """The chart starts at the first grasp of the window (floored to a bucket), at most SERIES_WINDOW ago."""
    earliest = now - SERIES_WINDOW
    first = session.scalar(select(func.min(GraspAttempt.time)).where(GraspAttempt.time >= earliest))
    if first is None:
        return earliest
    start = max(first, earliest) - SERIES_BUCKET
    return min(start, now - 6 * SERIES_BUCKET)


def policy_chart(session: Session, now: datetime) -> Any:
    since = _series_start(session, now)
    names = policy_names(session)
    series: dict[str, list[Point]] = {}
    for rate in success_by(session, "policy", Filters(since, now)):
        buckets = success_series(session, Filters(since, now, policy_id=rate.key), SERIES_BUCKET)
        label = f"{names.get(rate.key, rate.key)} ({rate.key[:6]})"
        series[label] = [
            Point(b.start + SERIES_BUCKET / 2, b.rate, b.ci_low, b.ci_high, b.attempts) for b in buckets
        ]
    markers = [
        Marker(e.created_at, f"{e.action}: {names.get(e.policy_id, e.policy_id)}")
        for e in history(session, 50)
    ]
    return time_series(
        series, markers, since, now, "Success over time per policy (10-minute buckets, 95% Wilson bands)"
    )


def jobs(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    query = (
        select(AdaptationJob, Robot.name, Variation.name)
        .join(Robot, Robot.id == AdaptationJob.robot_id)
        .join(Variation, Variation.id == AdaptationJob.variation_id)
        .order_by(AdaptationJob.id.desc())
        .limit(limit)
    )
    return [job_view(session, job, r, v) for job, r, v in session.execute(query).all()]


def replayed_policies(data_dir: str | Path | None) -> set[str]:
    """Ids of the policies whose lineage replay (`qtopt replay`) is in `<data_dir>/replays/<id>/`."""
    if data_dir is None or not (Path(data_dir) / "replays").is_dir():
        return set()
    return {p.name for p in (Path(data_dir) / "replays").iterdir() if (p / "index.html").is_file()}


def dashboard_context(session: Session, data_dir: str | Path | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    best = champion(session)
    return {
        "now": now,
        "fleet": fleet_charts(session, now),
        "policy_chart": policy_chart(session, now),
        "lineage": [asdict(node) for node in lineage_forest(session)],
        "jobs": jobs(session),
        "champion": best,
        "robots": list(session.scalars(select(Robot.name).order_by(Robot.name))),
        "promotions": history(session, 10),
        "replays": replayed_policies(data_dir),
    }
