"""HTTP routes of the reference platform, one module per area of the contract."""
