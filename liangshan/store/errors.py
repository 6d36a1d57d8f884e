"""Errors of the store layer, each with a message a county office can act on (in Chinese)."""


class EntryError(ValueError):
    """A value, note or record that cannot be stored, with the reason for the user (the services raise
    it on entry, :mod:`liangshan.store.record_rules` for the rules the bundle import shares)."""


class StoreError(ValueError):
    """A request the store refuses; nothing was written."""


class NotFoundError(StoreError):
    pass


class LockedError(StoreError):
    """The value is approved and locked; it must be reopened (with a reason) before a new version."""


class ConflictError(StoreError):
    """Someone saved a newer version first (optimistic version check)."""


class TransitionError(StoreError):
    """A review action that the current state does not allow."""
