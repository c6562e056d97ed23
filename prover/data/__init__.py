"""Traced proof data: records in the LeanDojo Benchmark 4 schema, datasets and their splits,
and the theorem files ``proofplan prove`` reads."""
