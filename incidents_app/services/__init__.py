"""incidents_app services (writes), split by sub-domain: incidents, affected people, reports,
notices, entrustee supervision."""
