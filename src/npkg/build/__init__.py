"""Compile the edited ontology and curated tables into checked, deterministic release files."""
