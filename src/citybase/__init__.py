"""CityBase: a city government's public base database (智慧城市公共基础数据库)."""

__version__ = "0.1.0"
