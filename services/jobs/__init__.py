"""Adaptation jobs: the pipeline protocol the service calls, the sim pipeline, and where jobs run."""
