"""Printed documents: large-print referral slips, letters and their log.

Paper is the product many clients see, so every document follows ``../shared/design/
documents.md``: Atkinson Hyperlegible (regular and bold only), laid out again at each size,
left-aligned, nothing that matters split across lines."""
