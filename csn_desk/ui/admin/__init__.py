"""The Admin page: letter templates, printing, this site (more tabs arrive later)."""
