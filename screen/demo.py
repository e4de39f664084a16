"""Demo step: one kiosk for the demo district's command room."""

from __future__ import annotations

from core.demo import DemoContext
from grid.models import District
from screen.models import Kiosk
from screen.services import kiosk_create

DEMO_KIOSK_KEY = "demo-kiosk-2026"


def build_kiosk(context: DemoContext) -> None:
    district = District.objects.order_by("pk").first()
    if district is None or Kiosk.objects.filter(district=district).exists():
        return
    kiosk_create(name="指挥大厅大屏", district=district, key=DEMO_KIOSK_KEY)
    context.credentials.append(("kiosk (/screen/login/)", "—", DEMO_KIOSK_KEY))
    context.log(f"screen: kiosk for {district.name}, key {DEMO_KIOSK_KEY}")
