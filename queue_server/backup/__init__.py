"""Backing up the hall database while the server runs, restoring a verified copy, and the lock that keeps two
servers off one file: ``govhall backup`` / ``govhall restore``."""
