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
