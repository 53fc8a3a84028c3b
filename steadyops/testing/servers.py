"""Real servers for tests: an SMTP server and a webhook receiver, started on loopback for the test."""
