"""What the service does, apart from HTTP: ingest, success statistics, lineage and promotion, archives."""
