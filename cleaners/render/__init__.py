"""Showing results to people: the terminal explanation and the HTML review report."""
