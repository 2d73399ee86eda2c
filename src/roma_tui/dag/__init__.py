"""dag layer (see DESIGN.md)."""
