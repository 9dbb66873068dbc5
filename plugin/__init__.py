"""contact-segments: customer segments and bulk contact import for a Flask messaging host.

    from contact_segments import Segments
    segments = Segments(app, db=db)          # or Segments().init_app(app, db=db)

See README.md for the host integration, configuration, hooks and CLI.
"""

from .actor import Actor
from .contact_query import ContactFilter
from .extension import Segments, SegmentsState, get_state
from .hooks.markers import hookimpl

__version__ = "0.1.0"

__all__ = ["Actor", "ContactFilter", "Segments", "SegmentsState", "get_state", "hookimpl", "__version__"]
