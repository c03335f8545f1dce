"""Robots as fleet members: fetch the champion from the lineage service, grasp, report outcomes."""
