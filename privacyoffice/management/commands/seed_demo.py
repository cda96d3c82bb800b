"""Load the demo data: one user per role, and the apps' demo customers, consent and requests.

Idempotent: a second run finds the demo users and data and adds nothing.
"""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from consent_app import demo as consent_demo
from privacyoffice import roles
from requests_app import demo as requests_demo

DEMO_USERS = [
    # username, role (None: superuser), first name, last name
    ("staff", roles.PRIVACY_STAFF, "花子", "佐藤"),
    ("staff2", roles.PRIVACY_STAFF, "健太", "鈴木"),
    ("manager", roles.PRIVACY_MANAGER, "誠", "高橋"),
    ("manager2", roles.PRIVACY_MANAGER, "美咲", "田中"),
    ("auditor", roles.AUDITOR, "直樹", "伊藤"),
    ("admin", None, "Admin", ""),
]


class Command(BaseCommand):
    help = "Load demo users, customers, consent and requests (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300)
        parser.add_argument("--seed", type=int, default=20261124)

    def handle(self, *args, customers: int, seed: int, **options):

        roles.sync_roles()
        password = os.environ.get("DEMO_PASSWORD", "demo-password-2026")
        with transaction.atomic():
            users = self._users(password)
            consent_summary = consent_demo.seed(customers=customers, seed=seed, users=users)
            request_summary = requests_demo.seed(seed=seed, users=users)
        for label, summary in (("consent", consent_summary), ("requests", request_summary)):
            self.stdout.write(f"{label}: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _users(self, password: str) -> dict:
        User = get_user_model()
        users = {}
        for username, role, first, last in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    is_staff=True,
                    is_superuser=role is None,
                    email=f"{username}@example.co.jp",
                )
                user.set_password(password)
                user.save()
            if role:
                user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users
