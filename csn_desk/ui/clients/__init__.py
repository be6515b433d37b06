"""The Clients page: find a client, see their history, edit their details."""
