"""The minutes server: HTTP API, storage, accounts and the job queue.

Nothing here runs at import time; ``create_app(settings)`` builds an application.
"""
