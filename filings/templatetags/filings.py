"""`{% filings_panel %}`: the home page's filing section for the signed-in user's role."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("filings/home_panel.html", takes_context=True)
def filings_panel(context):
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    return {
        "own": selectors.enterprise_filings(user),
        "liaison": selectors.liaison_queue(user),
    }
