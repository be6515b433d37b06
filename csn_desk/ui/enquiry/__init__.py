"""The New enquiry page: the form, the person lookup and the directory panel beside it."""
