"""Exact min-cost flow: the one network a plain problem becomes, solved in full, pruned
under a time limit, repaired after a change, and changed in place by the Matcher."""
