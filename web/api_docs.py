"""``/docs`` (Swagger UI) served from this installation's own files, with no CDN.

Swagger UI comes from the ``swagger-ui-dist`` npm package, built into the console's ``vendor/`` folder
at set-up (``voxdesk assets``). FastAPI's Swagger page starts the UI with one inline script; rather
than allow inline scripts, ``/docs`` sends a policy that allows exactly that script by its sha256.
ReDoc is not served: its bundle loads a logo from its vendor's CDN on every view, and ``/docs``
documents the same API, so ``/redoc`` redirects there.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, RedirectResponse

from web.headers import docs_policy

VENDOR_URL = "/static/console/vendor"
SWAGGER_JS = f"{VENDOR_URL}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{VENDOR_URL}/swagger-ui/swagger-ui.css"
SWAGGER_FAVICON = f"{VENDOR_URL}/swagger-ui/favicon-32x32.png"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP sources (``sha256-...``) for each inline ``<script>`` in ``html``, byte for byte."""
    return [
        "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        for body in _INLINE_SCRIPT.findall(html)
    ]


def install_api_docs(app: FastAPI) -> None:
    """Add ``/docs`` (the app is created with ``docs_url=None, redoc_url=None``) and ``/redoc`` to it."""
    openapi_url = app.openapi_url or "/openapi.json"
    swagger = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url=SWAGGER_FAVICON,
            # No badge from the public validator: it would send the spec's address to another site.
            swagger_ui_parameters={**swagger_ui_default_parameters, "validatorUrl": None},
        ).body
    )
    swagger_policy = docs_policy(inline_script_hashes(swagger))

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"content-security-policy": swagger_policy})

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)
