"""What sync tells a user when it cannot go on: one plain sentence each, no personal data."""

from __future__ import annotations

from csn_desk.errors import CsnError


class SyncError(CsnError):
    """Base class for sync problems users see."""


class DropMissing(SyncError):
    def __init__(self) -> None:
        super().__init__("The shared folder cannot be reached. Check that the network drive, "
                         "cloud folder or USB stick is connected, then sync again.")


class NotANetworkFolder(SyncError):
    def __init__(self) -> None:
        super().__init__("The shared folder has no csn-desk network in it: it may be empty "
                         "or the wrong folder. Nothing was synced; check the folder.")


class WrongNetwork(SyncError):
    def __init__(self) -> None:
        super().__init__("The shared folder belongs to a different csn-desk network. "
                         "Nothing was synced; check you chose the right folder.")


class NewerNetworkFormat(SyncError):
    def __init__(self) -> None:
        super().__init__("The shared folder was set up by a newer version of csn-desk. "
                         "Update this app to sync.")


class NetworkExists(SyncError):
    def __init__(self) -> None:
        super().__init__("That folder already holds a csn-desk network. To join it, ask to "
                         "join instead of creating a network.")


class AlreadyInNetwork(SyncError):
    def __init__(self) -> None:
        super().__init__("This site is already part of a network (or has asked to join "
                         "one).")


class NotInNetwork(SyncError):
    def __init__(self) -> None:
        super().__init__("This site is not part of a network yet. Create one, or ask to "
                         "join one, first.")


class NotEnrolled(SyncError):
    def __init__(self) -> None:
        super().__init__("This site has asked to join but has not been approved yet. Ask "
                         "an administrator to approve it, then sync again.")


class NotNetworkAdmin(SyncError):
    def __init__(self) -> None:
        super().__init__("Only an administrator at the site that set up the network can do "
                         "this.")


class NoSuchJoinRequest(SyncError):
    def __init__(self) -> None:
        super().__init__("No request to join in the shared folder has that fingerprint. "
                         "Check the fingerprint with the other site, and that they have "
                         "asked to join.")


class NoSuchSite(SyncError):
    def __init__(self) -> None:
        super().__init__("There is no active site of that name in the network. Check the "
                         "name in the list of sites.")


class CannotRemoveSelf(SyncError):
    def __init__(self) -> None:
        super().__init__("A site cannot remove itself; do it from another administrator's "
                         "site.")


class SiteHasRecords(SyncError):
    def __init__(self) -> None:
        super().__init__("This site already has client or enquiry records of its own. Join "
                         "a network from a new data folder instead.")


class DemoNeverSyncs(SyncError):
    def __init__(self) -> None:
        super().__init__("The demo data set never syncs. Set up a real data folder to join "
                         "a network.")


class DropBusy(SyncError):
    def __init__(self) -> None:
        super().__init__("The shared folder kept refusing a new file (another program may "
                         "be holding it). Nothing was lost; sync will try again.")


class PublishCollision(SyncError):
    def __init__(self) -> None:
        super().__init__("Another computer has written this site's changes under the same "
                         "number: this copy may be a clone of another install. Publishing "
                         "is paused; ask an administrator.")


class RosterChanged(SyncError):
    def __init__(self) -> None:
        super().__init__("Another administrator changed the list of sites at the same "
                         "time. Sync, then try again.")


class SyncBusy(SyncError):
    def __init__(self) -> None:
        super().__init__("A sync is already running for this site; try again in a moment.")


class ConflictNotFound(SyncError):
    def __init__(self) -> None:
        super().__init__("That conflict is no longer in the log, or its record has been "
                         "deleted since.")
