import pytest

from bot import demo


@pytest.fixture
def county(ctx):
    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
    return demo
