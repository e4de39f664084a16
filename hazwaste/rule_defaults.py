"""Default anomaly rules: severity and parameters, editable in the admin."""

DEFAULT_RULES = {
    # Storage over one year is a red line (危险废物转移管理办法 / HJ 1259; *check*
    # for producers): warn this many days ahead.
    "storage_age": ("warning", {"limit_days": 365, "warn_days_before": 30}),
    "weight_mismatch": ("serious", {"tolerance_percent": 5}),
    "receiver_unlicensed": ("serious", {}),
    "receiver_permit_expired": ("serious", {}),
    "receiver_over_capacity": ("warning", {}),
    # pick-up after submission, disposal after receipt, closing after disposal, in
    # calendar days; receipt itself is due within 5 working days of pick-up.
    "manifest_overdue": (
        "warning",
        {
            "pickup_days": 7,
            "receipt_working_days": 5,
            "disposal_days": 30,
            "closing_days": 10,
        },
    ),
    "generated_never_sent": ("warning", {"age_days": 180, "min_kg": 1}),
    "sent_without_generation": ("serious", {"tolerance_percent": 5}),
    "plan_deviation": (
        "info",
        {"deviation_percent": 50, "min_year_fraction": 0.5, "min_kg": 10},
    ),
    "inactivity": ("info", {"days": 90}),
    "receiver_outside_plan": ("warning", {}),
}
