"""Dashboards (自定义看板): analysts choose indicators, regions, periods and chart types, and share the result
within the government; each panel's data is computed through the analysis and facts layers."""
