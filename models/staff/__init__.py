"""Staff with their roles and areas, the invites that bind their WeChat, and back-office log-ins."""
