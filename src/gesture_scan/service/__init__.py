"""``gesture-scan serve``: the HTTP service for complaint-triage systems (issue 18).

Those systems are web applications (often PHP or Java), so the library's records travel over HTTP.
Nothing here imports FastAPI or uvicorn at module level: they come with the ``serve`` extra, and
``import gesture_scan.cli`` must stay cheap and work without it.
"""
