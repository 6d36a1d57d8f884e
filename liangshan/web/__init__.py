"""The web face: FastAPI routes, Jinja2 templates and vendored static assets."""
