"""The indicator system (指标体系): definitions, categories, disaggregations, versions and formulas."""
