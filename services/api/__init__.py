"""The HTTP API (FastAPI): ingest, queries, lineage, promotion, champion download, adaptation jobs, keys."""
