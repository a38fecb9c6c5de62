"""The command line's exit codes: the only place a ``GestureScanError`` becomes one is ``cli/``.

| code | meaning |
| --- | --- |
| 0 | the scan ran (whether or not anything was found) |
| 1 | nothing could be read: every input was missing, corrupt or unreadable |
| 2 | usage error: bad option, empty folder, report folder inside the evidence, bad profile |
| 3 | a model or weight file is missing or broken, or worker processes could not start |
| 4 | the report could not be written (disk full, read-only, folder gone); records written
  before that are complete |
| 130 | interrupted (Ctrl-C); the report holds everything scanned until then |
| 143, 129 | stopped by SIGTERM (systemd, Kubernetes, a batch system) or SIGHUP (terminal
  closed), handled like Ctrl-C |
"""

EXIT_OK, EXIT_NOTHING_READ, EXIT_USAGE, EXIT_MODEL, EXIT_WRITE = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # SIGTERM and SIGHUP: 143 and 129 (scan.Terminated.exit_code)
