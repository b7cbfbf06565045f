"""The HTTP API (FastAPI): ``create_app(ledger_url, settings)``; see ``api/app.py``.

Imports FastAPI only when used: ``from likeledger.api.app import create_app``.
"""
