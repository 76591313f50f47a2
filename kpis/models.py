"""Quarterly KPI returns. Filled by a later issue."""
