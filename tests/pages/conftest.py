import pytest

from bot import demo
from models.notice_templates import TEMPLATES
from tests.pages.phone import Phone

ALL_TEMPLATES = tuple((title, f"tpl-{n}") for n, title in enumerate(TEMPLATES, 1))


@pytest.fixture
def settings(base_settings):
    """Pages are reached at the app's public URL (the test client's host); every template added."""
    return base_settings.replace(public_url="http://localhost", notice_templates=ALL_TEMPLATES)


@pytest.fixture
def county(ctx):
    with ctx.Session.begin() as db:
        demo.seed(db, ctx.cipher)
    return demo


@pytest.fixture
def phone(app):
    """A phone as a persona: ``phone(openid)`` (each its own browser, with its own cookies)."""
    return lambda openid: Phone(app.test_client(), openid)
