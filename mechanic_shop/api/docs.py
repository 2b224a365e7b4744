"""The OpenAPI schema and its two docs pages (Swagger UI, ReDoc): public, never throttled, and loading nothing from
outside the site.

No token and no rate limit: a developer reading the docs must never be locked out of them (or, by using up the
anonymous budget, out of the logins). Both pages are served from our own static files (drf-spectacular-sidecar);
ReDoc's own template would fetch web fonts from a font CDN, so ours leaves them out, and a Content-Security-Policy
keeps the browser on the site for everything else (ReDoc's bundle shows a logo from its vendor's CDN: the policy
blocks it, and ReDoc then leaves the image out).
"""

from typing import TYPE_CHECKING, Any

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    # The mixin only ever sits in front of a DRF view; saying so lets its super() call type-check.
    _ViewBase = APIView
else:
    _ViewBase = object

# Scripts, styles, images, fonts and API calls from this site only. Inline scripts and styles: Swagger UI's page
# starts it with an inline script, and both UIs style their elements inline. ReDoc's search runs in a blob: worker.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SchemaView(SpectacularAPIView):
    """GET /api/schema: the OpenAPI 3 schema."""

    authentication_classes = []
    throttle_classes = []


class _DocsPage(_ViewBase):
    """What both docs pages add to drf-spectacular's: no throttle, and the content security policy."""

    throttle_classes: list[Any] = []

    def finalize_response(self, request: "Request", response: "Response", *args: Any, **kwargs: Any) -> "Response":
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class SwaggerView(_DocsPage, SpectacularSwaggerView):
    """GET /api/docs: Swagger UI."""


class RedocView(_DocsPage, SpectacularRedocView):
    """GET /api/redoc: ReDoc, without the web fonts its stock template fetches."""

    template_name = "mechanic_shop/redoc.html"
