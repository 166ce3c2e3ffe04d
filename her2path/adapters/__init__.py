"""Input and output adapters: everything that touches files, terminals and formats."""
