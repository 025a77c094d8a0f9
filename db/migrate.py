"""Apply Alembic migrations programmatically (``flask db upgrade``, tests, ``make run``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations"))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str, rev_id: str | None = None) -> None:
    """Autogenerate a migration against a database at head (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)


def new_revision(message: str) -> None:
    """Autogenerate the next numbered migration (developers: ``make migration m="…"``)."""
    import tempfile

    from alembic.script import ScriptDirectory

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/head.db"
        upgrade(url)
        heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
        number = int(heads[0]) + 1 if heads and heads[0].isdigit() else 1
        revision(url, message, rev_id=f"{number:04d}")


if __name__ == "__main__":
    import sys

    new_revision(" ".join(sys.argv[1:]) or "schema change")
