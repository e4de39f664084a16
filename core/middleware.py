from django.db import connection
from pghistory.middleware import HistoryMiddleware as PgHistoryMiddleware


class HistoryMiddleware(PgHistoryMiddleware):
    """Attach the acting user and URL to history rows (PostgreSQL only: the context
    travels in SET LOCAL variables that SQLite does not have)."""

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
