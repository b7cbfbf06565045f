"""The creator dashboard: one server-rendered page at ``/`` plus the JSON it loads.

Everything it needs (template, JS, CSS) ships inside this package: it works offline.
"""
