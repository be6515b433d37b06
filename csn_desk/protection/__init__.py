"""Data protection (issue 7): who may do what, the audit log, consent rules, people's rights
(subject access, rectification, erasure, restriction) and the retention schedule. Backups live
in ``csn_desk/backup``."""
