"""Operational records (alarm calls, complaints, incidents, surveys, voids, nominations, activities)."""
