"""The csn-desk command line."""
