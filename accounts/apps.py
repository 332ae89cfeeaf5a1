from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        """A password change through any door revokes the user's refresh tokens."""
        from accounts import signals  # noqa: F401 - connects the receivers
