"""Helpers for the ticket admin's tests: post a page back as a browser would, and read what it shows."""

import io

from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse


def change_url(ticket) -> str:
    return reverse("admin:tickets_serviceticket_change", args=[ticket.pk])


def page_data(response) -> dict:
    """What a browser posts back, untouched, from the admin add or change page in `response`.

    Every field of the ticket form and of the inline formsets with the value the page shows (disabled fields
    left out, as a browser leaves them out), and the hidden initial values the page carries.
    """
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if field.disabled or value is None or value is False or value == "":
                continue
            data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
            if field.show_hidden_initial:
                data[bound.html_initial_name] = str(field.prepare_value(bound.initial))
    return data


def post_page(client: Client, ticket, changes: dict, *, opened=None):
    """Save the ticket's change page with `changes` (by HTML name, e.g. "lines-0-quantity") made to it.

    `opened` is the page as opened earlier (a response), for a save after something changed meanwhile.
    """
    url = change_url(ticket)
    return client.post(url, page_data(opened or client.get(url)) | changes)


def shown_messages(response) -> list[tuple[str, str]]:
    """The admin's messages (level tag, text) on a rendered page, or queued for the redirect's target."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def form_errors(response) -> list[str]:
    """Every error the re-rendered page shows: the ticket form's and each inline's (lines and whole formset)."""
    errors = [str(e) for errors in response.context["adminform"].form.errors.values() for e in errors]
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in inline.formset.non_form_errors()]
        errors += [str(e) for form_errors in inline.formset.errors for es in form_errors.values() for e in es]
    return errors


def role_client(make_staff, role: str) -> Client:
    """A logged-in admin client for a new staff user in `role` ("Front desk", "Mechanic", "Manager")."""
    call_command("setup_roles", stdout=io.StringIO())
    user = make_staff()
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client
