"""Routes, one module per area: auth, entry, review, dashboard, indicator, excel, api."""
