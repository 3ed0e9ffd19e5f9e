"""The dashboard's web server (starlette): the static page, plotly.js from the `plotly` package (no CDN:
the page works offline) and the collector's latest view as JSON. The collector polls on its own thread
for as long as the app runs."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import plotly
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sabfl.dashboard.collector import Collector

STATIC = Path(__file__).with_name("static")
PLOTLY_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"


def create_app(collector: Collector, interval: float | None = 1.0) -> Starlette:
    """The app; with `interval` set, the collector polls every `interval` seconds while it runs."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()
        if interval is not None:
            threading.Thread(target=collector.run, args=(stop, interval), daemon=True).start()
        yield
        stop.set()

    async def index(_: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    async def plotly_js(_: Request) -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    async def state(_: Request) -> JSONResponse:
        return JSONResponse(collector.view(), headers={"Cache-Control": "no-store"})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/plotly.min.js", plotly_js),
            Route("/api/state", state),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
