"""The database: engine and sessions, shared column types, SQL both dialects spell alike, encryption at rest, migrations."""
