import pytest

from bot import demo


@pytest.fixture
def county(ctx):
    """The demo county: 城北村 with 王桂英 (bound to the resident persona), staff, providers."""
    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
    return demo
