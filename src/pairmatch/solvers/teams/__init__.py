"""Teams (several volunteers to one child) with CP-SAT: presolve, the model and its search,
bounds (relaxations, pricing), and improvement (start, polish, window by window)."""
