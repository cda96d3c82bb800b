"""The project's URLs, plus /stock-admin/: a plain ModelAdmin of customers, as Django ships it.

The reference of `stock_admin.customer_search_2kanji.ratio`: Django's own `icontains` search
over the name, reading, phone and e-mail columns, the exact full count and OFFSET pages. No
search columns, no indexes of ours, no bounded count.
"""

from django.contrib import admin
from django.urls import path

from consent_app.models import Customer
from privacyoffice.urls import urlpatterns as project_urlpatterns


class StockCustomerAdmin(admin.ModelAdmin):
    list_display = ("number", "family_name", "given_name", "prefecture", "phone", "email")
    search_fields = (
        "number",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "phone",
        "email",
    )
    list_per_page = 50


stock_site = admin.AdminSite(name="stock")
stock_site.register(Customer, StockCustomerAdmin)

urlpatterns = [path("stock-admin/", stock_site.urls), *project_urlpatterns]
