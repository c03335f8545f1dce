"""Experiments that regenerate the project's result tables (`qtopt experiment ...`)."""
