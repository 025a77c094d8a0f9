"""Web side: app factory (``bot.app.create_app``), settings, webhook, messenger, simulator, CLI."""
