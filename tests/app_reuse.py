"""Reuse the demo app between tests that would build the same one.

Building the app (its blueprints, the OpenAPI document, its routes) costs more than most tests
take. :class:`AppShelf` keeps the apps built for earlier tests, by database URL, config and
environment, and hands one out again only if the test that used it left it as it was built:
same config, hook implementations, routes, request hooks, error handlers, template globals,
extensions and instance attributes (an extension the app adds on first use, such as the thread
of in-process imports, may come). A test that changed any of them leaves its app to nobody.
"""

import collections
import copy
import os

#: Flask's registries a test may add to (``@app.before_request``, ``app.errorhandler``, ...).
_REGISTRIES = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
               "teardown_appcontext_funcs", "url_value_preprocessors", "url_default_functions",
               "template_context_processors", "error_handler_spec", "view_functions", "blueprints",
               "shell_context_processors")
#: Instance attributes that change by serving requests, not by a test changing the app.
_SERVING_STATE = {"_got_first_request"}
#: Environment variables the demo app reads when it is built.
_ENVIRONMENT = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


class _Same:
    """Equal to another ``_Same`` of the very same object (and holds it, so that its id cannot
    pass to a new object)."""

    __slots__ = ("value",)
    __hash__ = None

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Same) and other.value is self.value


def _shape(value):
    """A comparable picture of nested registries: what they hold (by identity), empty entries
    left out (Flask's defaultdicts grow empty ones as requests look handlers up)."""
    if isinstance(value, dict):
        return tuple((key, shape) for key, item in value.items() if (shape := _shape(item)) != ())
    if isinstance(value, (list, tuple)):
        return tuple(_shape(item) for item in value)
    return _Same(value)


def fingerprint(app, extensions):
    """What a test may change on ``app``, its ``extensions`` (names) included; equal before and
    after a test that changed nothing."""
    _ = (app.name, app.logger, app.jinja_env, app.jinja_loader)  # built on first use: build them now
    pm = getattr(app.extensions.get("segments"), "pm", None)
    return (
        tuple(_shape(getattr(app, name)) for name in _REGISTRIES),
        tuple((name, _Same(app.extensions.get(name))) for name in extensions),
        _shape(app.jinja_env.globals), _shape(app.jinja_env.filters), _Same(app.jinja_env.loader),
        tuple((key, _Same(value)) for key, value in vars(app).items() if key not in _SERVING_STATE),
        tuple(rule.rule for rule in app.url_map.iter_rules()),
        tuple(sorted((name, _Same(plugin)) for name, plugin in pm.list_name_plugin())) if pm else (),
    )


class AppShelf:
    """Apps left unchanged by the tests that used them: the ``size`` most recently used."""

    def __init__(self, size=6):
        self.size = size
        self._apps = collections.OrderedDict()

    @staticmethod
    def key(config):
        """What an app is built from: ``config`` and the environment the demo app reads."""
        environment = sorted((name, value) for name, value in os.environ.items()
                             if name.startswith("SEGMENTS_") or name in _ENVIRONMENT)
        return repr((sorted(config.items()), environment))

    def take(self, key):
        """``(app, snapshot)`` of an app built for ``key`` that no test changed, or None (always
        for ``key`` None: an app that must be built anew)."""
        found = self._apps.pop(key, None)
        if found is not None:
            found[0]._got_first_request = False  # the next test may still add routes or hooks
        return found

    @staticmethod
    def snapshot(app):
        """What :meth:`put_back` compares ``app`` with after a test (None: never reuse it)."""
        try:
            config = copy.deepcopy(dict(app.config))
        except Exception:  # a value that cannot be copied: do not risk sharing the app
            return None
        extensions = tuple(app.extensions)
        return config, extensions, fingerprint(app, extensions)

    def put_back(self, key, app, snapshot):
        """Keep ``app`` for the next test with ``key`` if it is as ``snapshot`` saw it."""
        if snapshot is None:
            return
        config, extensions, picture = snapshot
        if dict(app.config) != config or fingerprint(app, extensions) != picture:
            return
        self._apps[key] = (app, snapshot)
        while len(self._apps) > self.size:
            self._apps.popitem(last=False)
