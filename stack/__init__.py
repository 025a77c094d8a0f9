"""The stack benchmarks and fault tests stand up: stores to reset, gunicorn, private Redis/PostgreSQL, RQ workers, journeys."""
