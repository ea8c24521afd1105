"""govhall's queue server: the hall's single source of truth. ``app`` lists its areas (one package each); ``cli`` is
the ``govhall`` command."""
__version__ = "0.1.0"
