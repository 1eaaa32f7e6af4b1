"""The verified machine at work: ``Pair`` and ``AsyncPair`` (the embeddable machine that
other code drives with events), ``Node`` (one node of a pair as its own process runs
it), the simulated lab, and ``hapair node``'s operating-system process."""
