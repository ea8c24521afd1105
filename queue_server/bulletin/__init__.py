"""The quarterly bulletin (季度通报): every unit's indicators, the ranking and the overdue cases of a quarter, counted
from the records and written as a Word document a hall can paste into its official 通报 (``govhall bulletin``),
and the same content as JSON for the admin pages."""
