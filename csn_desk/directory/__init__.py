"""The shared service directory: search at the counter (``search``), editing entries through
the one write path (``editing``), the search index upkeep (``index``) and the Darlington
starter directory (``starter``)."""
