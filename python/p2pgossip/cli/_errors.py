"""The one kind of failure the shell reports: a line of text and an exit code."""

from __future__ import annotations

__all__ = ["CliError", "EXIT_ERROR", "EXIT_USAGE"]

EXIT_ERROR = 1  # the command could not do its job (key, port, peer, file)
EXIT_USAGE = 2  # the command line itself is wrong, as argparse reports it


class CliError(Exception):
    """Printed as ``p2pgossip <command>: error: <message>`` and exited with ``code``;
    never shown as a traceback."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code
