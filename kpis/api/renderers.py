"""CSV for API list responses, built on tablib (already installed with django-import-export).

`?format=csv` or `Accept: text/csv`. Paginated responses render their `results`; the cursor for
the next page goes in a `Link` header-style `X-Next-Page` header so a CSV stays a plain table."""

import tablib
from rest_framework.renderers import BaseRenderer

from portal.exports import clean_dataset


def _flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(
                ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
                for item in value
            )
        else:
            flat[name] = "" if value is None else value
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        response = (renderer_context or {}).get("response")
        if isinstance(data, dict) and "results" in data:
            if response is not None and data.get("next"):
                response["X-Next-Page"] = data["next"]
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat = [_flatten(r) for r in rows if isinstance(r, dict)]
        headers: list[str] = []
        for r in flat:
            headers += [k for k in r if k not in headers]
        if not headers:
            # No rows: the header row alone, so an empty list is still a CSV (an empty body
            # would go out with no Content-Type at all: DRF drops it).
            headers = _serializer_headers(renderer_context)
        dataset = tablib.Dataset(headers=headers or None)
        for r in flat:
            dataset.append([r.get(h, "") for h in headers])
        return clean_dataset(dataset).export("csv").encode(self.charset) or b"\r\n"


def _serializer_headers(renderer_context: dict | None) -> list[str]:
    """The columns a list's rows would have: its serializer's readable fields."""
    view = (renderer_context or {}).get("view")
    try:
        fields = view.get_serializer().fields
    except Exception:  # noqa: BLE001 - a view without a serializer: no header row
        return []
    return [name for name, field in fields.items() if not field.write_only]
