"""The service catalogue (服务清单), the providers who deliver it, and the county's edits to both."""
