"""Server-rendered pages: one module per page group, each an `APIRouter` kept out of the schema."""

from web.pages import access_log, analytics, auth, escalations, home, plans, running, tasks

ROUTERS = (
    auth.router,
    home.router,
    escalations.router,
    plans.router,
    tasks.router,
    running.router,
    analytics.router,
    access_log.router,
)
