"""Pure, deterministic rules: knowledge base + domain model in, typed answers out. No I/O."""
