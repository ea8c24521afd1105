"""The counter review tablet (评价器): who serves, what is served, and the 5-level review when a ticket finishes."""
