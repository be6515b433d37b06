"""The Today page: this organisation's enquiries today and the follow-ups that are due."""
