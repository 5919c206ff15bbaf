"""The demo city: Shenzhen (深圳市, 440300) with its real departments, districts and streets."""

from citybase.demo.loader import DEMO_CITY, DemoLogin, load_demo

__all__ = ["DEMO_CITY", "DemoLogin", "load_demo"]
