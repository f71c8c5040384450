"""Re-pairing when the registers change: the :class:`Matcher` (state, proposals, history),
the batch of :class:`Changes`, the saved file, and the two ways a change is solved."""
