"""The trio spec folder (its rows are data: ``spec.yaml``)."""
