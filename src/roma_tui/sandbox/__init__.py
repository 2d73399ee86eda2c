"""sandbox layer (see DESIGN.md)."""
