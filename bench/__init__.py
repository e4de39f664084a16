"""Benchmarks: each `bench/<name>.py` runs against PostgreSQL and prints its figures."""

from __future__ import annotations


def database_create_if_missing() -> None:
    """Create the PostgreSQL database DATABASE_URL names, if it does not exist,
    so a benchmark runs on a fresh server without a manual createdb."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
