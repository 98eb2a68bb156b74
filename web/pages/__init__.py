"""Server-rendered pages: one module per page group, each an `APIRouter` kept out of the schema."""

from web.pages import auth, home

ROUTERS = (auth.router, home.router)
