from pairmatch.problem import Problem
from pairmatch.solvers import solve
