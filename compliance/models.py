"""Provider compliance (registration, insurance, policies, capacity)."""
