"""Errors users may see. Each carries one plain-English sentence that says what to do.

Messages never include personal data: they name files, fields and counts, not people.
"""

from __future__ import annotations


class CsnError(Exception):
    """Base class: ``str(error)`` is the sentence shown to the user."""


class WrongPassphrase(CsnError):
    def __init__(self) -> None:
        super().__init__(
            "That passphrase is not right for this user. Check Caps Lock and try again, "
            "or ask an administrator to reset it with the recovery key."
        )


class UnknownUser(CsnError):
    def __init__(self, username: str) -> None:
        super().__init__(
            f"There is no user called '{username}' on this computer. "
            "Check the spelling, or ask an administrator to add you."
        )


class NoDatabase(CsnError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(
            f"There is no csn-desk data in {data_dir}. "
            "Run 'csn-desk init' to set it up, or choose another --data-dir."
        )


class AlreadyInitialised(CsnError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(
            f"{data_dir} already holds csn-desk data. Choose an empty folder with --data-dir."
        )


class DamagedKeyFile(CsnError):
    def __init__(self) -> None:
        super().__init__(
            "The key file beside the database is damaged or not a csn-desk key file. "
            "Restore it from a backup; nothing has been changed."
        )


class DatabaseTooNew(CsnError):
    def __init__(self) -> None:
        super().__init__(
            "This data was saved by a newer version of csn-desk. Install the newer version "
            "to open it; nothing has been changed."
        )


class DatabaseUnreadable(CsnError):
    def __init__(self) -> None:
        super().__init__(
            "The database could not be opened: it is damaged or does not match its key file. "
            "Restore it from a backup; nothing has been changed."
        )


class DatabaseBusy(CsnError):
    def __init__(self) -> None:
        super().__init__(
            "The data is in use by another program right now (for example, an administrator "
            "re-encrypting it). Wait a minute and try again; nothing has been changed."
        )


class WeakPassphrase(CsnError):
    pass


class InvalidInput(CsnError):
    """A value the user typed is not acceptable; the message names the field."""


class NotFound(CsnError):
    pass


class NotAllowed(CsnError):
    """The signed-in user's role may not do this."""


class Cancelled(CsnError):
    """The user stopped a long task (a batch of letters) part-way; nothing was kept."""

    def __init__(self, message: str = "Stopped before the end, as you asked; nothing was "
                                      "printed or logged.") -> None:
        super().__init__(message)
