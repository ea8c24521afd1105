"""The managers' admin pages (``/admin``): one Chinese page of plain JavaScript over the areas' admin routes — live
hall, tidal windows, review ledgers, KPI charts and exports."""
