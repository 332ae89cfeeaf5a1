from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"

    def ready(self):
        """Serve the day's state (waiting lists, tokens, outbox) at every metrics scrape.

        Imported here because the collector reads models, which exist once the apps are ready.
        """
        from opd_site.metrics import register_state_collector
        from scheduling.metrics import DayStateCollector

        register_state_collector(DayStateCollector())
        self._bump_versions_of_unlocked_writes()

    def _bump_versions_of_unlocked_writes(self) -> None:
        """A day's rows saved outside its lock still move its version (the read cache). Not
        on delete: rows are deleted only with their days (the simulation's reset), whose ids
        never come back."""
        from django.db.models.signals import post_save

        from scheduling.locking import bump_unlocked
        from scheduling.models import DoctorDay, Slot, Token, WaitingEntry

        for model in (DoctorDay, Slot, Token, WaitingEntry):
            post_save.connect(bump_unlocked, sender=model, dispatch_uid=f"version-{model.__name__}")
