from django import template

from enforcement.registry import factor_get

register = template.Library()


@register.filter
def factor_label(name: str) -> str:
    """A registered factor's label (its name if it is no longer registered)."""
    factor = factor_get(name)
    return str(factor.label) if factor else name
