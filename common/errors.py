"""The one error type the CLI turns into a one-line message and exit code 2.

Library code raises subclasses of :class:`ProofplanError` (or ``ValueError`` subclasses that
also inherit from it) for bad input; the CLI prints ``error: <message>`` and exits with 2.
"""


class ProofplanError(Exception):
    """Bad input or an unmet precondition that a user can fix; message is one line."""

    exit_code: int = 2
