"""Performance benchmarks for CityBase: `python -m bench [NAME ...] [--quick]` from the repository root.

Each benchmark measures CityBase and, in the same run, a baseline that shows what the same work costs
without CityBase around it, so the ratios stay meaningful on any machine.
"""
