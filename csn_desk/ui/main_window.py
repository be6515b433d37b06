"""The main window: navigation on the left, the chosen page on the right, who/where/sync in
the status bar. Which pages a user sees comes from ``navigation.ROLE_PAGES``.

Feature work registers its page in ``PAGE_FACTORIES``; a page not registered yet shows a
placeholder that says which work brings it. Size, position and the splitter are remembered
in QSettings (no personal data there)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from csn_desk.ui import about, change_passphrase, idle_lock, settings, theme
from csn_desk.ui.admin.backup_tab import schedule_retention
from csn_desk.ui.admin.page import AdminPage
from csn_desk.ui.clients.page import ClientsPage
from csn_desk.ui.directory.panel import DirectoryPage
from csn_desk.ui.enquiry.page import NewEnquiryPage
from csn_desk.ui.followups.page import FollowUpsPage
from csn_desk.ui.login import demo_banner
from csn_desk.ui.navigation import NavItem, items_for_role
from csn_desk.ui.reports.page import ReportsPage
from csn_desk.ui.sync import status_bar as sync_status_bar
from csn_desk.ui.tasks import TaskRunner
from csn_desk.ui.today.page import TodayPage
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

PageFactory = Callable[[Workspace, TaskRunner], QWidget]
PAGE_FACTORIES: dict[str, PageFactory] = {"today": TodayPage}
PAGE_FACTORIES["clients"] = ClientsPage
PAGE_FACTORIES["new_enquiry"] = NewEnquiryPage
PAGE_FACTORIES["directory"] = DirectoryPage
PAGE_FACTORIES["follow_ups"] = FollowUpsPage
PAGE_FACTORIES["reports"] = ReportsPage
PAGE_FACTORIES["admin"] = AdminPage
GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
SPLITTER_KEY = "main_window/splitter"


class NavList(QListWidget):
    """The page list, as wide as its longest label at the current text size."""

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        width = self.sizeHintForColumn(0) + 2 * self.frameWidth() + 8
        return QSize(max(width, 120), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.sizeHint().width(), super().minimumSizeHint().height())


def placeholder_page(item: NavItem) -> QWidget:
    page = QWidget()
    heading = QLabel(item.label)
    heading.setObjectName("heading")
    text = QLabel(f"This page arrives with {item.arrives_with}.")
    text.setWordWrap(True)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 16, 16, 16)
    layout.addWidget(heading)
    layout.addWidget(text)
    layout.addStretch(1)
    return page


class MainWindow(QMainWindow):
    sign_out_requested = Signal()

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.runner = ws, runner
        self.setObjectName("mainWindow")
        title = f"csn-desk – {ws.site_name}" if ws.site_name else "csn-desk"
        self.setWindowTitle(title + (" – DEMO DATA" if ws.demo else ""))

        self.nav_items = items_for_role(ws.user.role)
        self.nav = NavList()
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Pages")
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}

        # The frame first, pages last: with the app's style sheet, every widget moved to a
        # new parent is styled again with all its children, so each page is put straight into
        # its final place once (building bottom-up styled the whole window several times over).
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([220, 780])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        if ws.demo:
            layout.addWidget(demo_banner())
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._build_status_bar()
        self._build_menus()
        self._build_pages()
        # The retention schedule runs after sign-in and daily while open (DP-06).
        self.retention_timer = schedule_retention(self, ws, runner)
        self.nav.setCurrentRow(0)
        self._default_size()
        self._restore_layout()
        self.nav.setFocus()

    # -- pages ----------------------------------------------------------------------------
    def _build_pages(self) -> None:
        for item in self.nav_items:
            entry = QListWidgetItem(item.label)
            entry.setData(Qt.ItemDataRole.UserRole, item.key)
            entry.setToolTip(f"{item.label} ({item.shortcut})")
            self.nav.addItem(entry)
            factory = PAGE_FACTORIES.get(item.key)
            page = factory(self.ws, self.runner) if factory else placeholder_page(item)
            self.pages[item.key] = page
            self.stack.addWidget(page)
            if hasattr(page, "new_enquiry_requested"):  # Today's quick "New enquiry"
                page.new_enquiry_requested.connect(lambda: self.show_page("new_enquiry"))
            QShortcut(QKeySequence(item.shortcut), self, lambda k=item.key: self.show_page(k))
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)

    def page_keys(self) -> list[str]:
        return [item.key for item in self.nav_items]

    def show_page(self, key: str) -> None:
        keys = self.page_keys()
        if key in keys:
            self.nav.setCurrentRow(keys.index(key))

    def current_page_key(self) -> str:
        return self.page_keys()[self.nav.currentRow()]

    # -- chrome ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        role = vocab("roles").label(self.ws.user.role)
        self.user_label = QLabel(f"Signed in: {self.ws.user.display_name} ({role})")
        self.site_label = QLabel(f"Site: {self.ws.site_name}")
        self.busy_label = QLabel("")
        for label in (self.user_label, self.site_label):
            # Long names may be cut short at narrow widths (status bars are exempt from
            # reflow); the full text stays in the tooltip and the accessible name.
            label.setMinimumWidth(80)
            label.setToolTip(label.text())
            label.setAccessibleName(label.text())
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.site_label)
        bar.addWidget(self.busy_label, 1)
        self.sync_bar = sync_status_bar.install(self, self.ws, self.runner)
        # A method of the window, not a lambda: Qt drops the connection when the window is
        # deleted, so a task finishing after a sign-out does not touch a deleted label.
        self.runner.busy_changed.connect(self._show_busy)

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setText("Working..." if busy else "")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.change_passphrase_action = QAction(change_passphrase.MENU_TEXT, self)
        self.change_passphrase_action.triggered.connect(self.change_passphrase)
        file_menu.addAction(self.change_passphrase_action)
        file_menu.addSeparator()
        sign_out = QAction("&Sign out", self)
        sign_out.setShortcut(QKeySequence("Ctrl+Shift+O"))
        sign_out.triggered.connect(self.sign_out_requested.emit)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(sign_out)
        self.idle_lock = idle_lock.install(self, self.ws, self.runner, file_menu)
        self.idle_lock.sign_out_requested.connect(self.sign_out_requested.emit)
        self.idle_lock.locked_changed.connect(self._locked_changed)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        size_menu = view_menu.addMenu("&Text size")
        group = QActionGroup(self)
        current = settings.text_scale()
        self.text_size_actions: dict[int, QAction] = {}
        for percent in theme.TEXT_SCALES:
            action = QAction(f"{percent}%", self, checkable=True)
            action.setChecked(percent == current)
            action.setData(percent)
            group.addAction(action)
            size_menu.addAction(action)
            self.text_size_actions[percent] = action
        group.triggered.connect(self._on_text_size_action)
        view_menu.addAction(theme.high_contrast_action(self))

        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About csn-desk", self)
        self.about_action.setShortcut(QKeySequence("F1"))
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _locked_changed(self, locked: bool) -> None:
        # Nothing about the account is changed from behind the lock screen.
        self.change_passphrase_action.setEnabled(not locked)

    def change_passphrase(self) -> change_passphrase.ChangePassphraseDialog | None:
        """File > Change my passphrase…: a window-modal dialog over this window (shown, not
        run in a nested loop, so the idle lock and the task runner carry on)."""
        if self.idle_lock.locked:
            return None
        dialog = change_passphrase.ChangePassphraseDialog(self.ws, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> about.AboutDialog:
        return about.show_about(self.ws.db.paths.root, self)

    def _on_text_size_action(self, action: QAction) -> None:
        self.set_text_scale(int(action.data()))

    def set_text_scale(self, percent: int) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            percent = theme.apply_text_scale(app, percent)
        settings.set_text_scale(percent)
        self.nav.updateGeometry()
        if percent in self.text_size_actions:
            self.text_size_actions[percent].setChecked(True)

    # -- layout memory --------------------------------------------------------------------
    def _default_size(self) -> None:
        """First run: bigger at larger text sizes, never bigger than the screen."""
        factor = 1 + (settings.text_scale() - 100) / 200
        width, height = int(1100 * factor), int(720 * factor)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() * 9 // 10), min(height, room.height() * 9 // 10)
        self.resize(width, height)

    def _restore_layout(self) -> None:
        if (geometry := settings.load_bytes(GEOMETRY_KEY)) is not None:
            self.restoreGeometry(geometry)
        if (state := settings.load_bytes(STATE_KEY)) is not None:
            self.restoreState(state)
        if (sizes := settings.load_bytes(SPLITTER_KEY)) is not None:
            self.splitter.restoreState(sizes)

    def save_layout(self) -> None:
        settings.save_bytes(GEOMETRY_KEY, self.saveGeometry())
        settings.save_bytes(STATE_KEY, self.saveState())
        settings.save_bytes(SPLITTER_KEY, self.splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        super().closeEvent(event)
        if event.isAccepted():
            self.idle_lock.detach()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self.idle_lock.attach()
        super().showEvent(event)
