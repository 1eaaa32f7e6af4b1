"""The NumPy helpers the engines share: distinct values and rows of integer arrays,
faster than ``np.unique`` where the values allow it, and the same answers.

>>> import numpy as np
>>> run_starts(np.array([1, 1, 2, 5, 5]))
array([ True, False,  True,  True, False])
>>> distinct_rows(np.array([[2, 1], [0, 3], [2, 1]]))
array([[0, 3],
       [2, 1]])
>>> [a.tolist() for a in first_of_each(np.array([7, 3, 7, 3, 1]), bits=3)]
[[1, 3, 7], [4, 1, 0]]
"""

from __future__ import annotations

import numpy as np


def run_starts(ordered):
    """Where each run of equal values of a sorted array begins (a Boolean mask)."""
    first = np.empty(len(ordered), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def distinct_rows(table, *, inverse: bool = False):
    """``np.unique(table, axis=0)`` (the distinct rows, sorted; with ``inverse``, also
    each row's position among them), made quick by reading each row as one number in
    mixed radix over its columns' ranges when that fits in an int64."""
    table = np.asarray(table, dtype=np.int64)
    if not table.size:
        return np.unique(table, axis=0, return_inverse=inverse)
    low = table.min(axis=0)
    span = table.max(axis=0) - low + 1
    if float(np.prod(span.astype(float))) >= 2.0 ** 62:  # too wide for one int64
        return np.unique(table, axis=0, return_inverse=inverse)
    # the first column most significant, so numbers sort as rows do
    weights = np.concatenate((np.cumprod(span[::-1])[::-1][1:], [1])).astype(np.int64)
    keys, first, where = np.unique((table - low) @ weights, return_index=True,
                                   return_inverse=True)
    rows = table[first]
    return (rows, where.reshape(-1)) if inverse else rows


def first_of_each(codes: np.ndarray, bits: int, inverse: bool = False) -> tuple:
    """``np.unique(codes, return_index=True[, return_inverse=True])``: the distinct codes,
    sorted, where each first occurs (and which of them each code is).  When a code
    (``bits`` wide) and a position fit in one int64 together, one plain sort of
    ``code << p | position`` gives them, several times faster than the stable argsort
    ``np.unique`` needs for the first positions."""
    n = len(codes)
    p = max(1, (n - 1).bit_length())
    if n == 0 or bits + p > 63:
        return np.unique(codes, return_index=True, return_inverse=inverse)
    key = np.sort((codes << p) | np.arange(n, dtype=np.int64))
    ordered = key >> p
    new = run_starts(ordered)
    out = ordered[new], key[new] & ((1 << p) - 1)
    if inverse:
        which = np.empty(n, np.int64)
        which[key & ((1 << p) - 1)] = np.cumsum(new) - 1
        out += (which,)
    return out
