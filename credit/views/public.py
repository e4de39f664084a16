"""The page behind every sticker: public facts for citizens (cached, rate-limited,
no login), the full portrait for a logged-in officer."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.ratelimit import count_and_get
from credit import selectors
from credit.models import Cycle
from credit.services._common import PUBLIC_CACHE_PREFIX
from credit.views._helpers import complaint_url
from enforcement import selectors as enforcement_selectors
from enforcement.models import Enterprise
from grid.models import Street
from grid.selectors import user_scope

PUBLIC_CACHE_SECONDS = 300


def _is_officer_for(user, enterprise_id: int) -> bool:
    if not user.is_authenticated or not user_scope(user=user).is_staff_member:
        return False
    return Enterprise.objects.for_user(user).filter(pk=enterprise_id).exists()


@require_GET
def public_code(request, token: str):
    # a citizen's phone sends no session cookie: no user to load
    signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
    if signed_in and request.user.is_authenticated:
        lookup = selectors.sticker_lookup(token=token)
        if lookup is None:
            raise Http404
        if _is_officer_for(request.user, lookup.enterprise.pk):
            return officer_portrait(request, lookup)
    # One round trip: count the caller in the rate-limit window (per address,
    # shared by every worker) and fetch the cached page.
    limit, period = getattr(settings, "CREDIT_PUBLIC_RATE_LIMIT", (120, 60))
    key = f"{PUBLIC_CACHE_PREFIX}{translation.get_language()}:{token}"
    hits, html = count_and_get(
        f"credit:rate:{request.META.get('REMOTE_ADDR', '')}", period, key
    )
    if hits > limit:
        return HttpResponse(
            _("Too many requests. Please try again in a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    if html is None:
        lookup = selectors.sticker_lookup(token=token)
        if lookup is None:
            raise Http404
        profile = selectors.public_profile(
            lookup=lookup, hotline=settings.COMPLAINT_HOTLINE
        )
        html = render_to_string(
            "credit/public_code.html",
            {"p": profile, "report_url": complaint_url(lookup.enterprise)},
        )
        cache.set(key, html, PUBLIC_CACHE_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-cache"  # the colour may change at any time
    return response


def officer_portrait(request, lookup):
    """Everything the officer may see about the enterprise behind the sticker."""
    enterprise = enforcement_selectors.enterprise_get(
        user=request.user, pk=lookup.enterprise.pk
    )
    code = selectors.current_code(enterprise=enterprise)
    evaluation = code.evaluation if code else None
    return render(
        request,
        "credit/officer_portrait.html",
        {
            "enterprise": enterprise,
            "sticker": lookup.sticker,
            "code": code,
            "evaluation": evaluation,
            "codes": enterprise.credit_codes.order_by("-valid_from")[:10],
            "appeals": selectors.appeal_list(user=request.user).filter(
                enterprise=enterprise
            )[:5],
            "repairs": selectors.repair_list(user=request.user).filter(
                enterprise=enterprise
            )[:5],
            "night_work": selectors.night_work_list(user=request.user).filter(
                enterprise=enterprise
            )[:5],
            "timeline": enforcement_selectors.enterprise_timeline(
                enterprise=enterprise, user=request.user, limit=30
            ),
        },
    )


@require_GET
def published_list(request):
    """Public list of cycles with public results (no login)."""
    return render(
        request,
        "credit/published_list.html",
        {"cycles": selectors.published_cycle_list()[:100]},
    )


def _published_filters(request, cycle):
    sector = request.GET.get("sector", "")
    if sector not in Enterprise.Sector.values:
        sector = ""
    try:
        street = int(request.GET.get("street") or 0) or None
    except ValueError:
        street = None
    return sector, street


@require_GET
def published_detail(request, pk: int):
    cycle = get_object_or_404(selectors.published_cycle_list(), pk=pk)
    sector, street = _published_filters(request, cycle)
    rows = selectors.published_results(cycle=cycle, sector=sector, street=street)
    from django.core.paginator import Paginator

    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credit/published_detail.html",
        {
            "cycle": cycle,
            "page": page,
            "final": cycle.state == Cycle.State.PUBLISHED,
            "colour_field": "final_colour"
            if cycle.state == Cycle.State.PUBLISHED
            else "proposed_colour",
            "sector": sector,
            "street": street,
            "sectors": Enterprise.Sector.choices,
            "streets": Street.objects.filter(Q(district=cycle.district)).order_by(
                "code"
            ),
            "query": query.urlencode(),
        },
    )


@require_GET
def published_export(request, pk: int):
    """The published results as CSV (UTF-8 with BOM, so spreadsheets read it)."""
    import csv
    import io

    from django.http import StreamingHttpResponse

    cycle = get_object_or_404(selectors.published_cycle_list(), pk=pk)
    sector, street = _published_filters(request, cycle)
    rows = selectors.published_results(cycle=cycle, sector=sector, street=street)
    sector_labels = dict(Enterprise.Sector.choices)
    colour_labels = {"green": _("Green"), "yellow": _("Yellow"), "red": _("Red")}

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        writer.writerow(
            [_("name"), _("address"), _("sector"), _("street"), _("colour")]
        )
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(
                [
                    row["enterprise__name"],
                    row["enterprise__address"],
                    sector_labels.get(row["enterprise__sector"], ""),
                    row["enterprise__street__name"],
                    colour_labels.get(row["colour"], ""),
                ]
            )
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credit-{cycle.pk}.csv"'
    return response
