"""Periodic work of the liaison service: reminders before the due time, escalation after."""

from celery import shared_task


@shared_task
def help_request_sweep() -> dict:
    """Remind assignees of requests coming due and escalate overdue ones, each once: a
    request already reminded or escalated is passed over, so a retried or doubled run
    sends nothing twice."""
    from . import services
    from .models import HelpRequest

    reminded = escalated = 0
    for pk in list(services.reminders_due().values_list("pk", flat=True)):
        reminded += services.help_request_remind(help_request=HelpRequest(pk=pk))
    for pk in list(services.escalations_due().values_list("pk", flat=True)):
        escalated += services.help_request_escalate(help_request=HelpRequest(pk=pk))
    return {"reminded": reminded, "escalated": escalated}
