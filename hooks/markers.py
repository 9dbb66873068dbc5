"""The pluggy markers of the project: every hook is named ``segments_*`` under one project name."""

import pluggy

PROJECT_NAME = "contact_segments"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
