"""A host plugin that records the plugin's event hook calls, shared by the tests."""

from contact_segments.hooks.markers import hookimpl


class EventRecorder:
    """A host plugin that records every event hook call, to assert on what hosts hear."""

    def __init__(self):
        self.events = []

    def of(self, kind):
        """Return the recorded events of class ``kind``."""
        return [event for event in self.events if isinstance(event, kind)]

    @hookimpl
    def segments_segment_created(self, event):
        self.events.append(event)

    @hookimpl
    def segments_segment_renamed(self, event):
        self.events.append(event)

    @hookimpl
    def segments_segment_deleted(self, event):
        self.events.append(event)

    @hookimpl
    def segments_members_added(self, event):
        self.events.append(event)

    @hookimpl
    def segments_members_removed(self, event):
        self.events.append(event)

    @hookimpl
    def segments_import_finished(self, event):
        self.events.append(event)
