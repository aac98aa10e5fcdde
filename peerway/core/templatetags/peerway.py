from django import template

register = template.Library()


@register.filter
def with_class(field, css: str):
    """Render a bound field's widget with an extra CSS class (forms from other apps)."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif widget.__class__.__name__ in ("Select", "SelectMultiple"):
        css = "form-select"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def submission_token(context):
    """The hidden one-time token of a create form (``peerway.core.idempotency``)."""
    from django.utils.html import format_html

    from peerway.core.idempotency import FIELD, form_token

    request = context.get("request")
    token = form_token(request) if request is not None else ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)


def _part(c, name):
    """``c.name`` as the template language reads it: a key, else an attribute."""
    if isinstance(c, dict):
        return c.get(name)
    return getattr(c, name, None)


@register.simple_tag
def cell(c, decimals=0, suffix=""):
    """A dashboard figure: "not shown" when suppressed, a dash when there is none, else
    the value with ``decimals`` decimals (``floatformat``, in the page's language) and its
    suffix. A tag, not an included template: a region's dashboard shows thousands."""
    from django.template.defaultfilters import floatformat
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if _part(c, "suppressed"):
        return format_html(
            '<span class="text-body-secondary fst-italic">{}</span>', gettext("not shown")
        )
    value = _part(c, "value")
    if value is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    return format_html("{}{}", floatformat(value, decimals), suffix)


@register.simple_tag
def flag(c):
    """A yes/no figure derived from others: "not shown" when suppressed."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if _part(c, "suppressed"):
        return format_html(
            '<span class="text-body-secondary fst-italic">{}</span>', gettext("not shown")
        )
    if _part(c, "value"):
        return format_html("<strong>{}</strong>", gettext("Yes"))
    return gettext("No")
