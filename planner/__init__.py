"""Natural-language planning solved symbolically: z3 travel planner and clingo + PDDL API planner."""
