"""Counter-based random numbers for the sample generator: one independent stream per purpose,
loan and month.

A draw is a pure function of ``(seed, purpose, loan number, month, slot)``: the splitmix64
finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
the mixer of Java's SplittableRandom) applied to a key built from them, in numpy uint64 and
vectorised over loans. So a loan's draws do not depend on how many other loans are open, on the
order in which draws are made, or on draws added elsewhere in the generator (a new planted
effect does not reshuffle every later draw, as one shared ``np.random.Generator`` stream did).

Uniforms have 53 random bits; normals come from the inverse normal CDF of a uniform.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0 ** -53


def mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic; a new array)."""
    return _mix64_inplace(np.array(z, dtype=np.uint64))


def _mix64_inplace(z: np.ndarray) -> np.ndarray:
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


@functools.cache
def stream_key(name: str) -> np.uint64:
    """A fixed 64-bit key per purpose name (CRC32 of the name, mixed)."""
    return np.uint64(mix64(np.array([zlib.crc32(name.encode())], dtype=np.uint64))[0])


def loan_keys(seed: int, n: int) -> np.ndarray:
    """One key per loan number 0..n-1 of a book generated with ``seed``."""
    base = mix64(np.array([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    with np.errstate(over="ignore"):
        return mix64(base + np.arange(n, dtype=np.uint64) * _GOLDEN)


def month_keys(loan_key: np.ndarray, month: int) -> np.ndarray:
    """Keys of the given loans (their :func:`loan_keys`) in calendar month index ``month``."""
    with np.errstate(over="ignore"):
        return mix64(loan_key ^ (np.uint64(month) * _GOLDEN))


class Draws:
    """The random numbers of one month for an array of (loan, month) keys.

    ``random(name)`` gives one uniform per key for purpose ``name``; ``pos`` picks keys (rows of
    the month's open loans, repeated for several draws of a loan), ``slot`` separates several
    draws of the same purpose for the same loan (an integer array or scalar)."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys

    def _bits(self, name: str, pos: np.ndarray | None, slot) -> np.ndarray:
        z = self.keys ^ stream_key(name) if pos is None else self.keys[pos] ^ stream_key(name)
        with np.errstate(over="ignore"):
            if slot is not None:
                z += (np.asarray(slot).astype(np.uint64) + np.uint64(1)) * _GOLDEN
            return _mix64_inplace(z)

    def random(self, name: str, pos: np.ndarray | None = None, slot=None) -> np.ndarray:
        z = self._bits(name, pos, slot)
        z >>= _S11
        u = z.astype(np.float64)
        u *= _TO_UNIT
        return u

    def random_where(self, name: str, mask: np.ndarray, fill: float = 1.0) -> np.ndarray:
        """``random(name)`` where ``mask`` holds and ``fill`` elsewhere: the same numbers as the full
        draw at those positions (draws are per key), hashed only for the rows that use them."""
        out = np.full(len(self.keys), fill)
        pos = np.nonzero(mask)[0]
        if len(pos):
            out[pos] = self.random(name, pos=pos)
        return out

    def uniform(self, name: str, low: float, high: float, pos=None, slot=None) -> np.ndarray:
        return low + (high - low) * self.random(name, pos, slot)

    def integers(self, name: str, low: int, high: int, pos=None, slot=None) -> np.ndarray:
        """Integers in [low, high)."""
        return (low + np.floor(self.random(name, pos, slot) * (high - low))).astype(np.int64)

    def normal(self, name: str, loc: float = 0.0, scale: float = 1.0, pos=None, slot=None) -> np.ndarray:
        u = self.random(name, pos, slot)
        return loc + scale * ndtri(np.clip(u, 2.0 ** -54, 1 - 2.0 ** -53))
