"""The boards as plain JSON (the API's /boards/<name>/)."""

from __future__ import annotations

from monitoring import selectors


def _station(station) -> dict:
    return {
        "id": station.pk,
        "code": station.code,
        "name": station.name,
        "lon": station.lon,
        "lat": station.lat,
    }


def _index(index) -> dict | None:
    if index is None:
        return None
    return {
        "period_start": index.period_start.isoformat(),
        "value": index.value,
        "label": index.label,
        "colour": index.colour,
        "exceeded": index.exceeded,
        "edition": index.edition,
        "detail": index.detail,
    }


def board_data(*, name: str, user) -> dict | None:
    if name == "air":
        data = selectors.board_air(user=user)
        return {
            "labels": data["labels"],
            "stations": [
                {
                    **_station(row["station"]),
                    "now": _index(row["index"]),
                    "daily": row["daily"],
                    "good_days": row["good_days"],
                }
                for row in data["stations"]
            ],
        }
    if name == "water":
        data = selectors.board_water(user=user)
        return {
            "labels": data["labels"],
            "stations": [
                {
                    **_station(row["station"]),
                    "target": row["station"].water_target,
                    "now": _index(row["index"]),
                    "daily": row["daily"],
                }
                for row in data["stations"]
            ],
        }
    if name == "noise":
        data = selectors.board_noise(user=user)
        return {
            "zones": data["zones"],
            "stations": [
                {
                    **_station(row["station"]),
                    "zone": row["station"].noise_zone,
                    "now": _index(row["now"]),
                    "day": _index(row["day"]),
                    "night": _index(row["night"]),
                }
                for row in data["stations"]
            ],
        }
    if name == "indoor":
        data = selectors.board_indoor(user=user)
        return {
            "stations": [
                {
                    **_station(row["station"]),
                    "values": [{**v, "label": str(v["label"])} for v in row["values"]],
                }
                for row in data["stations"]
            ]
        }
    if name == "enterprise":
        data = selectors.board_enterprise(user=user)
        return {
            "stations": [
                {
                    **_station(row["station"]),
                    "kind": row["station"].kind,
                    "enterprise": row["station"].enterprise_id,
                    "online": row["online"],
                    "values": [
                        {**v, "label": str(v["label"]), "hour": v["hour"].isoformat()}
                        for v in row["values"]
                    ],
                    "open_alarms": [a.pk for a in row["alarms"]],
                }
                for row in data["stations"]
            ]
        }
    return None
