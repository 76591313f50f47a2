"""Workforce (staff and training)."""
