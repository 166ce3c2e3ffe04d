"""Developer tools run from the Makefile (golden outputs, ...)."""
