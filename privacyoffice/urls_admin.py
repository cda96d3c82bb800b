"""Extra admin-site views (dashboard, reports). Each view is wrapped by `site.admin_view`."""


def extra_admin_urls(site):
    return []
