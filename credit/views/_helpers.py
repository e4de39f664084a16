from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import reverse

from core.errors import ApplicationError, InvalidInput
from grid.models import Agency
from grid.selectors import user_scope


def run_service(request, form, call) -> object | None:
    """Call a service; put its field errors on the form and other refusals in a
    message. Returns the service's result, or None when it refused."""
    try:
        return call()
    except InvalidInput as error:
        for field, problems in error.fields.items():
            target = field if form is not None and field in form.fields else None
            for problem in problems if isinstance(problems, list) else [problems]:
                if form is not None:
                    form.add_error(target, str(problem))
                else:
                    messages.error(request, str(problem))
        if not error.fields:
            messages.error(request, str(error.detail))
    except ApplicationError as error:
        messages.error(request, str(error.detail))
    return None


def require_bureau_page(request) -> None:
    if not user_scope(user=request.user).is_bureau:
        raise DjangoPermissionDenied


def public_url(request, token: str) -> str:
    """The absolute URL a sticker encodes (CREDIT_PUBLIC_BASE_URL when the site
    sits behind another host name)."""
    path = reverse("credit-public", args=[token])
    base = getattr(settings, "CREDIT_PUBLIC_BASE_URL", "")
    if base:
        return base.rstrip("/") + path
    return request.build_absolute_uri(path)


def authority_name(enterprise) -> str:
    agency = (
        Agency.objects.filter(
            kind=Agency.Kind.BUREAU, district_id=enterprise.street.district_id
        )
        .values_list("name", flat=True)
        .first()
    )
    return agency or f"{enterprise.street.district.name}生态环境局"


def complaint_url(enterprise) -> str:
    """The grid's citizen complaint form, pinned to the enterprise (the ticket
    comes in as a QR-page complaint about it)."""
    query = urlencode(
        {
            "enterprise": enterprise.pk,
            "lat": f"{enterprise.lat:.6f}",
            "lon": f"{enterprise.lon:.6f}",
            "via": "qr",
        }
    )
    return f"{reverse('grid-public:report')}?{query}"
