"""What the web app and the workers share: settings, logging, the messenger, the WeChat API client, the process context."""
