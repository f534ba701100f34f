"""What an email's links open, without a login: "manage subscriptions" and email confirmation, plus the
API call that sends the confirmation link (/v1/users/{id}/email/confirmation and /v1/me/...).

A GET never changes anything (mail scanners follow links): it shows a page whose button POSTs.
"""

from __future__ import annotations

from flask import Response, render_template_string, request
from flask_smorest import Blueprint
from markupsafe import Markup

from schemas.alerts import EmailConfirmationOut, EmailConfirmed, LinkTokenQuery
from services.alerts import confirmation, subscriptions
from services.api.security import requires
from services.api.v1.common import settings
from services.web.transaction import conn

blp = Blueprint("email", __name__, url_prefix="/v1", description="Email address confirmation (double opt-in)")
public = Blueprint("email_links", __name__,
                   description="Pages the links in alert emails open (no login: the signed link is the credential)")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} · Paperfeed</title>
</head><body><main style="font-family: sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>{{ title }}</h1>{{ body }}</main></body></html>"""

MANAGE = """{% if items %}<p>Your Paperfeed alert subscriptions:</p><ul>
{% for s in items %}<li data-subscription="{{ s.id }}"><strong>{{ s.kind }}</strong>{% if s.detail %}: {{ s.detail }}{% endif %}
 by {{ s.channel }} — {% if s.enabled %}active
 <form method="post" action="{{ s.unsubscribe_url }}" style="display:inline"><button type="submit">Unsubscribe</button></form>
{% else %}stopped{% endif %}</li>
{% endfor %}</ul>{% else %}<p>You have no alert subscriptions.</p>{% endif %}"""

CONFIRM = """{% if done %}<p>Thank you: Paperfeed may now send alerts to {{ email }}.</p>
{% else %}<p>Confirm that Paperfeed may send alerts to this address?</p>
<form method="post" action="/email/confirm?token={{ token | urlencode }}"><button type="submit">Confirm</button></form>
{% endif %}"""


def _page(title: str, body_template: str, **context) -> Response:
    body = Markup(render_template_string(body_template, **context))  # nosec B704  # autoescaped by this render (values are escaped; the template is ours)
    return Response(render_template_string(PAGE, title=title, body=body), mimetype="text/html")


@blp.route("/users/<user_id>/email/confirmation", methods=["POST"], endpoint="request_email_confirmation")
@blp.route("/me/email/confirmation", methods=["POST"], endpoint="request_my_email_confirmation")
@requires("write")
@blp.response(202, EmailConfirmationOut)
def request_confirmation(user_id):
    """Email the user a link confirming their address (double opt-in: email subscriptions need it). At most
    one per minute; the link expires after EMAIL_CONFIRM_TTL_SECONDS; changing the address later makes it
    unconfirmed again."""
    return confirmation.request(conn(), settings(), user_id)


@public.route("/subscriptions/manage", methods=["GET"])
@public.arguments(LinkTokenQuery, location="query")
@public.response(200, description="An HTML page listing the subscriptions, each with an unsubscribe button")
def manage_subscriptions(args):
    """The "manage subscriptions" link of every alert email."""
    view = subscriptions.manage_page(conn(), settings(), args["token"])
    return _page("Your subscriptions", MANAGE, items=view["items"])


@public.route("/email/confirm", methods=["GET"])
@public.arguments(LinkTokenQuery, location="query")
@public.response(200, description="An HTML page with a confirm button (a GET confirms nothing)")
def confirm_email_page(args):
    """The link of the confirmation email."""
    return _page("Confirm your address", CONFIRM, done=False, token=args["token"])


@public.route("/email/confirm", methods=["POST"])
@public.arguments(LinkTokenQuery, location="query")
@public.response(200, EmailConfirmed)
def confirm_email(args):
    """Confirm the address the link was sent to (the page's button, or a client's POST)."""
    result = confirmation.confirm(conn(), settings(), args["token"])
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return _page("Address confirmed", CONFIRM, done=True, email=result["email"])
    return result
