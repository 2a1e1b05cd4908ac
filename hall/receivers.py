"""Keep role groups and their permissions present after every migrate."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_role_groups(sender, **kwargs):
    # Runs once per migrated app; cheap and idempotent, so later apps' permissions are picked up too.
    from hall.services import ensure_role_groups

    ensure_role_groups()
