"""Why a blob could not be stored or fetched. Every error is a `BlobError`, so a caller that scores a broken
update catches one class; the subclasses say whose fault it is."""


class BlobError(Exception):
    """A blob could not be stored, fetched or verified."""


class BlobUnavailable(BlobError):
    """The store did not deliver the blob in time: absent, unreachable, or timed out."""


class BlobMismatch(BlobError):
    """The bytes delivered are not the ones the reference binds: another sha256, or fewer bytes than its
    size."""


class BlobTooLarge(BlobError):
    """More bytes than allowed: the store delivered more than the reference's size, or the reference declares
    more than the caller's limit (its `max_bytes`, or a fetch's memory budget)."""


class LocatorRefused(BlobError):
    """The locator is malformed or names no store the operator allows; nothing was fetched."""
