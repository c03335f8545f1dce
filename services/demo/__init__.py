"""`qtopt demo`: the whole system on embedded defaults, headless, with a printed summary."""

from services.demo.scenario import DemoConfig, DemoSummary, run_demo

__all__ = ["DemoConfig", "DemoSummary", "run_demo"]
