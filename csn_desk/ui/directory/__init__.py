"""The directory search panel: beside the New enquiry form and on the Directory page."""
