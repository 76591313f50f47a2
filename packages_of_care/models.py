"""Packages of care (referrals, orders, variations, absences, plans). Filled by a later issue."""
