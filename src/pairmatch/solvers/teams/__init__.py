"""Teams (several volunteers to one child) with CP-SAT: presolve, the model, its bounds
(priced capacities and the LP), and improvement (the start, restricted masters)."""
