"""One root exception for everything hapair refuses, so callers catch one class."""


class HapairError(Exception):
    """Root of every error hapair raises on purpose; the CLI prints it as one line."""


class SpecError(HapairError):
    """A malformed spec or property, found when it is loaded; names the offender."""


class EventNotAllowed(HapairError):
    """An event that the machine cannot take in its current state; nothing changed."""


class Refused(EventNotAllowed):
    """An operator command the device refuses with a message of its own (the guide's)."""


class TraceError(HapairError):
    """A trace file that cannot be read or does not replay."""
