"""The server-rendered dashboard: Jinja2 templates and SVG charts drawn on the server (no CDN)."""
