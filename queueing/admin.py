"""Serving in the admin site: the token list gains the serving actions (check in, requeue)."""

from django.contrib import admin

from accounts.admin import acts_as
from accounts.roles import Act
from queueing.services import check_in, requeue
from scheduling import admin as scheduling_admin
from scheduling.desk.admin_actions import TOKEN_ACTIONS, run_each, selected_tokens
from scheduling.models import Token


@acts_as(Act.CHECK_IN)
@admin.action(description="Check in", permissions=["change"])
def check_in_tokens(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        selected_tokens(queryset),
        lambda token: check_in(token=token, actor=request.user),
        "checked in.",
    )


@acts_as(Act.REQUEUE)
@admin.action(description="Requeue (called but not present)", permissions=["change"])
def requeue_tokens(modeladmin, request, queryset):
    run_each(
        modeladmin,
        request,
        selected_tokens(queryset),
        lambda token: requeue(token=token, actor=request.user),
        "back in the queue.",
    )


admin.site.unregister(Token)


@admin.register(Token)
class TokenAdmin(scheduling_admin.TokenAdmin):
    """Allocation's token admin, with serving's actions around allocation's own."""

    actions = (check_in_tokens, *TOKEN_ACTIONS, requeue_tokens)
