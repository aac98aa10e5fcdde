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
