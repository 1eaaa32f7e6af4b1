"""The vrrp spec folder (its rows are data: ``spec.toml``)."""
