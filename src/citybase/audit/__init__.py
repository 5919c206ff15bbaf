"""Audit (审核): validation rules, their findings, and the review workflow."""
