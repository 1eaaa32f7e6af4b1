"""Reports of a checker run: for people (``text``: a table and numbered
counterexamples), for CI (``text``: JSON and JUnit XML) and for the browser (``html``:
one self-contained page)."""
