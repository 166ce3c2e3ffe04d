"""The validated domain model that every input adapter produces."""
