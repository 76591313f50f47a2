"""Framework membership and call-off competitions."""
