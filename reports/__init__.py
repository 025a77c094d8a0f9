"""The back office's read models (overview, household file, audit trail, task list, ledgers) and the .xlsx sheet writer."""
