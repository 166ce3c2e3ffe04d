"""Server-rendered web pages for clinicians (Jinja2 templates, htmx, no build step)."""
