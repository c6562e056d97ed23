"""What every library of proofplan stands on: the user-facing error type and the data paths."""
