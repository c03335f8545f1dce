"""API keys with roles: robot, operator, viewer, admin. Keys are random tokens, stored only as sha256."""
