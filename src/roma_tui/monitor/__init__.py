"""monitor layer (see DESIGN.md)."""
