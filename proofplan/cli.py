"""Console entry point: ``proofplan``. Command modules in ``proofplan.commands`` register
themselves on the apps of :mod:`proofplan.apps`; heavy imports happen inside commands."""

import sys

from common.errors import ProofplanError
from proofplan import commands  # noqa: F401  (registers every command)
from proofplan.apps import app


def main() -> None:
    try:
        app()
    except ProofplanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
