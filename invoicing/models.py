"""Invoicing and payment. Filled by a later issue."""
