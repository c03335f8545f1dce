"""The `qtopt` command line."""
