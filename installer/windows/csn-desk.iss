; csn-desk Windows installer (Inno Setup 6.3 or newer: uses x64compatible).
;
; Build on Windows from the checkout, after the frozen build (README, "Building an installer"):
;     .venv\Scripts\python installer\build.py
;     iscc installer\windows\csn-desk.iss
; The result is dist\csn-desk-<version>-windows-x64-setup.exe.
;
; Version and publisher are not written here: installer\build.py copies them from
; pyproject.toml into version.iss (beside this file) on every build, and a test checks that
; the committed version.iss matches pyproject.toml.
;
; Data safety: the database, key file and backups live in the data folder, never under {app}:
; per user (%LOCALAPPDATA%\csn-desk) or, on a shared counter PC, per machine
; (C:\ProgramData\csn-desk, task "sharedcounter" below). Neither upgrading nor uninstalling
; touches it. There is deliberately no [UninstallDelete] section, and the data folder entry in
; [Dirs] carries uninsneveruninstall: losing people's records because the program was removed
; or reinstalled is the one thing this installer must never do.

#include "version.iss"
#define AppName "CSN Desk"
#define AppExe "csn-desk-app.exe"

[Setup]
; A fixed AppId (never change it) makes a newer installer upgrade the installed copy in place:
; same folder, same Start-menu entry, one entry in Apps & features. "{{" is Inno's escape for
; a literal "{".
AppId={{DFA887E9-3B5A-497D-8685-0247AE5D29F2}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppComments={#AppDescription}
; Version resource of the setup program; needs a plain number version such as 1.2.3.
VersionInfoVersion={#AppVersion}
VersionInfoDescription={#AppName} installer
; Per machine, under Program Files: administrators install, every counter user runs it.
PrivilegesRequired=admin
DefaultDirName={autopf}\csn-desk
; Start-menu shortcut goes straight into Programs; no folder page to get wrong.
DisableProgramGroupPage=yes
; An upgrade keeps the folder chosen the first time and does not ask again.
UsePreviousAppDir=yes
DisableDirPage=auto
; 64-bit only: the frozen build is x64 Python and Qt. 64-bit mode puts it in
; "C:\Program Files", not "Program Files (x86)".
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 or newer.
MinVersion=10.0
; Licence page: csn-desk's licence and the notices of what it bundles.
LicenseFile=licence.txt
; If csn-desk is open during an upgrade or uninstall, Setup asks to close it (Restart Manager)
; instead of failing to replace files that are in use. It does not reopen it by itself.
CloseApplications=yes
RestartApplications=no
SetupIconFile=csn-desk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=csn-desk-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
; Shared counter PC: several Windows accounts use one site's data. Writes csn-desk.ini beside
; the program (data_dir = machine) and creates C:\ProgramData\csn-desk writable by all users
; of this PC (the database inside stays encrypted; each person signs in with their own passphrase).
Name: "sharedcounter"; Description: "This is a shared counter PC: keep one data folder for every Windows user of this computer (C:\ProgramData\csn-desk)"; GroupDescription: "Data folder:"; Flags: unchecked

[InstallDelete]
; Upgrade in place: remove the previous version's program libraries first, so no file of an
; older build lingers beside the new one. Program files only: csn-desk.ini beside the program
; and the data folder (never under {app}) are kept.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The whole one-folder build from installer\build.py (PyInstaller): csn-desk.exe (console,
; for "csn-desk self-test" and the other commands), csn-desk-app.exe (the windowed app) and
; _internal\ (Python, Qt, SQLCipher, fonts, resources, licence texts).
Source: "..\..\dist\csn-desk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; Created only for a shared counter PC; users-modify lets every Windows user of the PC open
; the shared data. uninsneveruninstall: the uninstaller never removes it, even when empty.
Name: "{commonappdata}\csn-desk"; Permissions: users-modify; Tasks: sharedcounter; Flags: uninsneveruninstall

[INI]
; Read by csn_desk.store.paths (csn-desk.ini beside the executable). Removing this setting on
; uninstall does not touch the data folder it points to.
Filename: "{app}\csn-desk.ini"; Section: "csn-desk"; Key: "data_dir"; String: "machine"; Tasks: sharedcounter; Flags: uninsdeleteentry uninsdeletesectionifempty

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{#AppDescription}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "{#AppDescription}"; Tasks: desktopicon

[Run]
; A postinstall entry runs as the user who started Setup, not elevated (Inno's default for
; postinstall), so a per-user data folder is created in their profile, not the admin's.
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; WorkingDir: "{app}"; Flags: nowait postinstall skipifsilent
