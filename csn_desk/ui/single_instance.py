"""One app window per data folder: a second copy asks the first to come to the front.

The lock is a QLocalServer whose name is a hash of the OS user and the resolved data folder
(no path or name in clear). Only the app takes it; command-line tools and backups never look,
so they keep using the database while the app is open. After a crash the server name can be
left behind; when nobody answers on it, it is removed and taken over.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE_REQUEST = b"raise\n"
CONNECT_TIMEOUT_MS = 1000
ALREADY_OPEN = ("csn-desk is already open on this computer for this data folder; "
                "switched to it.")


def server_name(data_dir: Path) -> str:
    """A stable name for this user and data folder that reveals neither."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some service accounts): the folder alone will do
        user = ""
    resolved = str(Path(data_dir).expanduser().resolve())
    digest = hashlib.sha256(f"{user}\0{resolved}".encode()).hexdigest()[:24]
    return f"csn-desk-{digest}"


class SingleInstance(QObject):
    """``claim()`` returns True for the first copy (which then hears ``raise_requested``)
    and False for a later copy, after it has asked the first to come to the front."""

    raise_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None

    @property
    def is_primary(self) -> bool:
        return self._server is not None and self._server.isListening()

    def claim(self) -> bool:
        if self._ask_first_to_raise():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Someone may have started between our connect and listen: ask again first.
            if self._ask_first_to_raise():
                return False
            QLocalServer.removeServer(self.name)  # stale after a crash: nobody answers
            if not server.listen(self.name):
                # Cannot guard (odd permissions): do not stop the user working.
                return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _ask_first_to_raise(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(RAISE_REQUEST)
        socket.flush()
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while (conn := self._server.nextPendingConnection()) is not None:
            conn.readyRead.connect(self._on_ready_read)
            if conn.bytesAvailable():
                self._read(conn)

    def _on_ready_read(self) -> None:
        conn = self.sender()
        if isinstance(conn, QLocalSocket):
            self._read(conn)

    def _read(self, conn: QLocalSocket) -> None:
        data = bytes(conn.readAll().data())
        if RAISE_REQUEST.strip() in data:
            conn.readyRead.disconnect(self._on_ready_read)
            conn.abort()
            conn.deleteLater()
            self.raise_requested.emit()
