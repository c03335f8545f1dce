"""Dashboard pages. The browser signs in with an API key once; it is kept in an HttpOnly, SameSite=Strict
cookie, and the one write (triggering an adaptation) also carries a CSRF token derived from that key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.api.deps import principal_for
from services.api.schemas import BudgetIn
from services.auth.keys import Principal
from services.dashboard.view import dashboard_context
from services.db.models import Role
from services.db.session import session_scope
from services.domain.adaptations import AdaptationError, create_job

router = APIRouter(prefix="/dashboard", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
COOKIE = "qtopt_key"


def csrf_token(key: str) -> str:
    return hashlib.sha256(f"qtopt-csrf:{key}".encode()).hexdigest()[:32]


def _principal(request: Request) -> Principal | None:
    return principal_for(request, request.cookies.get(COOKIE))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str = "") -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": error})


@router.post("/login")
def login(request: Request, key: str = Form(..., max_length=200)) -> Response:
    principal = principal_for(request, key)
    if principal is None:
        return templates.TemplateResponse(request, "login.html", {"error": "unknown or revoked key"}, 401)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", max_age=7 * 24 * 3600)
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _render(request: Request, template: str) -> Response:
    principal = _principal(request)
    if principal is None or not principal.may(Role.viewer):
        if template == "live.html":
            raise HTTPException(401, "sign in again")
        return RedirectResponse("/dashboard/login", status_code=303)
    with session_scope(request.app.state.sessions) as session:
        context = dashboard_context(session, request.app.state.settings.data_dir)
    context.update(
        principal=principal,
        can_adapt=principal.may(Role.operator),
        csrf=csrf_token(request.cookies.get(COOKIE, "")),
        refresh_s=request.app.state.settings.dashboard_refresh_s,
    )
    return templates.TemplateResponse(request, template, context)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    return _render(request, "dashboard.html")


@router.get("/live", response_class=HTMLResponse)
def live(request: Request) -> Response:
    """The page's changing part, fetched by static/dashboard.js every few seconds."""
    return _render(request, "live.html")


REPLAY_FILES = {
    ".html": "text/html",
    ".png": "image/png",
    ".gif": "image/gif",
    ".csv": "text/csv",
    ".json": "application/json",
}


@router.get("/replays/{policy_id}/{name:path}")
def replay_file(request: Request, policy_id: str, name: str) -> Response:
    """A file of a policy's lineage replay (`qtopt replay`, written to `<data_dir>/replays/<policy id>/`)."""
    principal = _principal(request)
    if principal is None or not principal.may(Role.viewer):
        raise HTTPException(401, "sign in with a viewer key")
    root = (Path(request.app.state.settings.data_dir) / "replays").resolve()
    folder = (root / policy_id).resolve()
    path = (folder / (name or "index.html")).resolve()
    inside = folder.parent == root and path.is_relative_to(folder)
    if not inside or path.suffix not in REPLAY_FILES or not path.is_file():
        raise HTTPException(404, f"no replay file {name!r} for policy {policy_id!r}")
    return FileResponse(path, media_type=REPLAY_FILES[path.suffix])


@router.post("/adaptations")
def trigger_adaptation(
    request: Request,
    robot: str = Form(..., min_length=1, max_length=64),
    variation: str = Form(..., min_length=1, max_length=128),
    exploration_grasps: int = Form(200, ge=1, le=5000),
    train_steps: int = Form(2000, ge=1, le=200_000),
    eval_episodes: int = Form(50, ge=1, le=2000),
    csrf: str = Form(..., max_length=64),
) -> Response:
    key = request.cookies.get(COOKIE, "")
    principal = _principal(request)
    if principal is None:
        raise HTTPException(401, "sign in with an operator key")
    if not principal.may(Role.operator):
        raise HTTPException(403, f"a {principal.role.value} key may not trigger adaptations")
    if not hmac.compare_digest(csrf, csrf_token(key)):
        raise HTTPException(403, "csrf: the form token does not match this session")
    budget = BudgetIn(
        exploration_grasps=exploration_grasps, train_steps=train_steps, eval_episodes=eval_episodes
    ).model_dump()
    with session_scope(request.app.state.sessions) as session:
        try:
            job = create_job(session, robot, variation, None, budget, principal)
        except AdaptationError as exc:
            raise HTTPException(422, str(exc)) from exc
        job_id = job.id
    request.app.state.jobs.submit(job_id)
    return RedirectResponse(f"/dashboard#job-{job_id}", status_code=303)
