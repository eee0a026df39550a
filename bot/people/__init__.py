"""People and their accounts in each channel."""
