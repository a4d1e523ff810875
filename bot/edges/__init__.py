"""The I/O edges the core is fed from: HTTP fetching behind the SSRF guard
(`fetch`, `fetch_guard`, `netguard`, `urls`), a local file read as if fetched,
the configuration file and environment (`config`), the optional LLM summarizer
and the extraction worker process.

An edge may import the core and I/O libraries; never storage, a platform, the
command layer or the app.
"""
