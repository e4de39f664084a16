"""Benchmarks: each `bench/<name>.py` runs against PostgreSQL and prints its figures."""
