"""The wider constraint vocabulary: one module per constraint type, found automatically.

A module here defines ``CONSTRAINT``, an instance of :class:`ConstraintType`, which knows how
to validate its value, find it in a request's text, assert it in the z3 encoding, explain it
when it makes a request unsatisfiable, relax it, and spot a contradiction with the rest of the
request. Adding a constraint type means adding one module (and its tests).
"""
