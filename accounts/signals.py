"""A password that changes, through any door, ends the API sessions issued before it.

The API's change-password, the admin's password form (setting or disabling a password),
``manage.py changepassword`` and a password reset all end in ``User.save()`` after
``set_password()`` (or ``set_unusable_password()``). Django keeps the new raw password on the
instance until that save; a hash upgrade at sign-in clears it first, so re-hashing the same
password ends nobody's session.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import revoke_refresh_tokens


def _password_changed(user: User) -> bool:
    return getattr(user, "_password", None) is not None or not user.has_usable_password()


@receiver(post_save, sender=User, dispatch_uid="accounts_revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance: User, created: bool, **kwargs) -> None:
    """Blacklist every refresh token of a user whose password was just set or disabled."""
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and "password" not in update_fields):
        return
    if _password_changed(instance):
        revoke_refresh_tokens(user=instance)
