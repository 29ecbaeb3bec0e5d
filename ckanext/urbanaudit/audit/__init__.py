"""The yearly audit: responsibilities, reporting years, department submissions with four-eyes review, targets."""
