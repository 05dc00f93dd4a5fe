"""Page builders, one per kind of run JSON; `build_page` picks the builder from the document."""
