"""Money: integer fen in the operational DB, Decimal yuan at the edges. ROUND_HALF_UP everywhere."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
_CENT = Decimal("0.01")
_WAN = Decimal(10_000)


def yuan_to_fen(yuan: Decimal | int | str) -> int:
    """Exact yuan → fen; more than 2 decimals round half up (0.005 → 1 fen)."""
    d = Decimal(yuan).quantize(_CENT, rounding=ROUND_HALF_UP)
    return int(d * FEN_PER_YUAN)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def fen_to_wan(fen: int) -> Decimal:
    """万元 with two decimals, as staff read it (1,234,567.89 yuan → 123.46)."""
    return (Decimal(fen) / FEN_PER_YUAN / _WAN).quantize(_CENT, rounding=ROUND_HALF_UP)


def format_yuan(fen: int) -> str:
    return f"{fen_to_yuan(fen):,}"
