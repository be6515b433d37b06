"""The Admin page (administrators only; ``navigation.ROLE_PAGES`` decides who sees it): one
tab per job, each tab its own module. Later work adds Users, Audit and Network tabs to
``TABS``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from csn_desk.ui.admin.audit_tab import AuditTab
from csn_desk.ui.admin.backup_tab import BackupTab
from csn_desk.ui.admin.letters_tab import LettersTab
from csn_desk.ui.admin.network_tab import NetworkTab
from csn_desk.ui.admin.printing_tab import PrintingTab
from csn_desk.ui.admin.site_tab import SiteTab
from csn_desk.ui.admin.users_tab import UsersTab
from csn_desk.ui.tasks import TaskRunner
from csn_desk.workspace import Workspace

TabFactory = Callable[[Workspace, TaskRunner], QWidget]
# (key, label with its mnemonic, factory), in the order shown
TABS: tuple[tuple[str, str, TabFactory], ...] = (
    ("letters", "&Letters", LettersTab),
    ("printing", "&Printing", PrintingTab),
    ("site", "This &site", SiteTab),
    ("backup", "Bac&kup and retention", BackupTab),
    ("network", "Net&work", NetworkTab),
    ("users", "&Users", UsersTab),
    ("audit", "&Audit log", AuditTab),
)


class AdminPage(QWidget):
    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        heading = QLabel("Admin")
        heading.setObjectName("heading")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Admin sections")
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        self.tab: dict[str, QWidget] = {}
        for key, label, factory in TABS:
            widget = factory(ws, runner)
            widget.setObjectName(f"admin_{key}")
            self.tab[key] = widget
            self.tabs.addTab(widget, label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 8)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.tab[key])
