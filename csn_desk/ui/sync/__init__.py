"""Sync in the app: the background controller, the status-bar part and the Sync window."""
