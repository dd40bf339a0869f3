"""Forms of the help-request pages (the services decide validity; these check shapes)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import HelpRequest


class HelpRequestForm(forms.Form):
    enterprise = forms.TypedChoiceField(label=_("enterprise"), coerce=int)
    category = forms.ChoiceField(label=_("category"), choices=HelpRequest.Category.choices)
    priority = forms.ChoiceField(label=_("priority"), choices=HelpRequest.Priority.choices,
                                 initial=HelpRequest.Priority.NORMAL)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(e.pk, e.name) for e in enterprises]


class CommentForm(forms.Form):
    text = forms.CharField(label=_("message"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("what was done"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class FiguresForm(forms.Form):
    since = forms.DateField(label=_("raised from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date cannot be before the start date."))
        return data
