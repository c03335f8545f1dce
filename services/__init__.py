"""The lineage service, dashboard and command line: the top layer, which may import both below."""
