from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonsConfig(AppConfig):
    name = "liaisons"
    api_urls = "liaisons.api.urls"
    demo = "liaisons.demo"
    home_panel = "liaisons.panels.home"
    verbose_name = _("Liaison service")

    def ready(self):
        from portal.tracking import Update, Writes, track

        from . import models, services
        from . import representations as rep

        track(models.Assignment, represent=rep.assignment, writes=Writes(
            create=services.assignment_create,
            update=(Update(services.assignment_update, {
                "official", "kind", "spectrum", "enterprise", "active_from", "active_to", "note",
            }),),
            delete=services.assignment_delete,
        ))
        track(models.PolicyNote, represent=rep.policy_note, writes=Writes(
            create=services.policy_note_create,
            update=(Update(services.policy_note_update, services.help_request.POLICY_FIELDS),),
            noun="policy_note",
        ))
        track(models.HelpRequest, represent=rep.help_request, writes=Writes(
            create=services.help_request_create,
            create_fields={"enterprise", *services.REQUEST_FIELDS},
            update=(Update(services.help_request_update, {"title", "description", "category"}),),
            noun="help_request",
        ))
        track(models.HelpRequestComment, represent=rep.help_request_comment)
        track(models.Visit, represent=rep.visit, writes=Writes(
            create=services.visit_create,
            create_fields={"enterprise", "visited_at", "checklist", "findings"},
            update=(Update(services.visit_update, services.VISIT_FIELDS),),
        ))
        track(models.VisitPhoto, represent=rep.visit_photo)
        track(models.Task, represent=rep.task, writes=Writes(
            create=services.task_create,
            create_fields={"enterprise", "title", "description", "due_date", "owner",
                           "official", "source", "visit", "meeting"},
            update=(Update(services.task_update, services.TASK_FIELDS),),
        ))
