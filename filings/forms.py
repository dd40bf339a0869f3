"""Forms of the filing pages: shapes only; the services decide validity and their errors
are shown next to the field they name."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MEASURES, Confirmation, Filing

# What each measure means in practice, shown under its checkbox.
MEASURE_HELP = {
    "screening": _(
        "Every employee checked individually, with a health record of the last 14 days."
    ),
    "dedicated_staff": _(
        "A person in charge, a budget, and posts for entry registration, temperature checks "
        "and reporting."
    ),
    "isolation_area": _("A separate, ventilated area to isolate anyone with a fever or symptoms."),
    "masks": _("Enough masks for every employee, worn at work, while commuting and in meetings."),
    "disinfection": _("Disinfectant and sanitiser in stock; shared areas disinfected every day."),
    "closed_management": _(
        "Controlled entrances; visitors and vehicles registered, checked and kept to a minimum."
    ),
    "temperature_checks": _(
        "Temperatures taken and recorded before every shift; anyone at 37.3 °C or above stays "
        "off work."
    ),
}

NUMBER_FIELDS = ("employees_total", "employees_returning", "employees_from_outside")
FORM_FIELDS = (
    "planned_resume_date", *NUMBER_FIELDS, *MEASURES, "signer_name", "commitment_accepted",
)


def _label(name):
    return Filing._meta.get_field(name).verbose_name


class FilingForm(forms.Form):
    """A draft filing; every field may be left empty until it is submitted."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    planned_resume_date = forms.DateField(
        label=_label("planned_resume_date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    employees_total = forms.IntegerField(
        label=_label("employees_total"), required=False, min_value=0, max_value=2_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    employees_returning = forms.IntegerField(
        label=_label("employees_returning"), required=False, min_value=0, max_value=2_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    employees_from_outside = forms.IntegerField(
        label=_label("employees_from_outside"), required=False, min_value=0,
        max_value=2_000_000, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    signer_name = forms.CharField(
        label=_("Signed by (name)"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    commitment_accepted = forms.BooleanField(
        label=_("I have read the prevention commitment above and accept it on behalf of the "
                "enterprise."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MEASURES:
            self.fields[name] = forms.BooleanField(
                label=_label(name), required=False, help_text=MEASURE_HELP[name]
            )
        self.order_fields(["version", *FORM_FIELDS])

    @classmethod
    def initial_for(cls, filing: Filing | None) -> dict:
        if filing is None:
            return {}
        return {"version": filing.version,
                **{name: getattr(filing, name) for name in FORM_FIELDS}}

    def measure_fields(self):
        return [self[name] for name in MEASURES]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in FORM_FIELDS}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's errors next to the fields they name (others at the top)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class ConfirmForm(forms.Form):
    """The on-site confirmation (复工确认书) a liaison fills in at the enterprise."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Confirmation.Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    items = forms.CharField(
        label=_("Items to rectify (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateField(
        label=_("Rectification deadline"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MEASURES:
            self.fields[f"check_{name}"] = forms.BooleanField(
                label=_label(name), required=False, help_text=MEASURE_HELP[name]
            )

    @classmethod
    def initial_for(cls, last: Confirmation | None) -> dict:
        """What a liaison found on the filing's last on-site check, or nothing ticked.

        Never the enterprise's own answers: the checklist is the liaison's attestation, and
        a box ticked from the other party's form would be signed without being looked at.
        """
        found = last.checklist if last is not None else {}
        return {f"check_{name}": bool(found.get(name, False)) for name in MEASURES}

    def checklist_fields(self):
        return [self[f"check_{name}"] for name in MEASURES]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "notes": data["notes"],
            "items": [line.strip() for line in data["items"].splitlines() if line.strip()],
            "deadline": data["deadline"],
            "checklist": {name: data[f"check_{name}"] for name in MEASURES},
        }

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve: the enterprise may resume")),
                 ("reject", _("Reject"))],
    )
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    """One file: a request carrying two for the field is refused, not cut to the last."""

    file = forms.FileField(label=_("Attach a document (PDF, JPEG or PNG, at most 10 MB)"))

    def clean_file(self):
        if self.files is not None and len(self.files.getlist(self.add_prefix("file"))) > 1:
            raise ValidationError(_("Upload one file at a time; this request carries several."))
        return self.cleaned_data["file"]


class RectifiedForm(forms.Form):
    report = forms.CharField(label=_("What was fixed"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
