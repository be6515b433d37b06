"""The Follow-ups page: the coordinator's queue of referrals due or overdue."""
