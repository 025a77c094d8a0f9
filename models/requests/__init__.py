"""Service requests (群众点单) and their dispatch to providers (系统派单、机构接单)."""
