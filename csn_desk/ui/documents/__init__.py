"""Documents in the app: preview (QtPdf), print through the system dialog, save as PDF, and
the batch of follow-up letters. Pages open a preview with one call from ``open.py``."""
