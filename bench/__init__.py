"""Benchmarks for csn-desk (see ../shared/design/performance.md for what and why)."""
