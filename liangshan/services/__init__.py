"""Application services: every rule once, between the store and the faces (CLI, web, report, batch, demo)."""
