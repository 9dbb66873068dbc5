"""What every page of the plugin shares: the acting user's scope, page messages, rendering,
and re-showing a refused form with what the user typed.
"""

from flask import current_app, render_template, session

from contact_segments.extension import get_state

MESSAGES_KEY = "segments_messages"

# endpoint -> function(form, message) returning a response that shows the form again, filled in.
FORM_REDISPLAY = {}


def current_scope():
    """The service scope of the signed-in user (raises ``NotAuthenticated`` when nobody is)."""
    state = get_state()
    return state.scope(state.current_actor(), via="page")


def say(message, level="success"):
    """Queue ``message`` for the next plugin page (kept apart from the host's flash messages,
    so a host layout that shows flashes does not show it twice)."""
    queued = session.get(MESSAGES_KEY, [])
    queued.append({"level": level, "text": message})
    session[MESSAGES_KEY] = queued


def pop_messages():
    """Return and forget the messages queued by :func:`say`."""
    return session.pop(MESSAGES_KEY, [])


def page_size():
    """How many rows a page shows (``SEGMENTS_PAGE_SIZE``, at most ``SEGMENTS_MAX_PAGE_SIZE``)."""
    config = current_app.config
    return max(1, min(int(config["SEGMENTS_PAGE_SIZE"]), int(config["SEGMENTS_MAX_PAGE_SIZE"])))


def render(template, status=200, **context):
    """Render a plugin page (``template`` under ``segments/``) inside the configured base template."""
    return render_template(template, **context), status


def redisplays(endpoint):
    """Register the decorated ``function(form, message)`` as the way to show ``endpoint``'s form
    again, filled in, when its submission was refused before the view ran (stale CSRF token)."""

    def register(function):
        FORM_REDISPLAY[endpoint] = function
        return function

    return register


def int_or_none(value):
    """``value`` as an int, or ``None`` when it is empty or not a whole number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def int_list(values):
    """The whole numbers among ``values`` (others are dropped), without duplicates, in order."""
    seen = []
    for value in values:
        number = int_or_none(value)
        if number is not None and number not in seen:
            seen.append(number)
    return seen
