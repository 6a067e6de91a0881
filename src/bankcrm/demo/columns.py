"""Arrow columns in the lake types of the contract, built exactly from integers.

Money leaves the generator as integer fen and becomes DECIMAL(18,2) by reinterpreting the fen as
the decimal's unscaled value (a decimal128 is a 16-byte two's-complement integer): no division, no
float, so 123456 fen is exactly 1234.56.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.analytics.ingest.contract import TABLES, Kind

MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(12, 6)
ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.KEY: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.MONEY: MONEY,
    Kind.RATE: RATE,
    Kind.INT: pa.int32(),
    Kind.BOOL: pa.bool_(),
}
Mask = npt.NDArray[np.bool_] | None


def schema(table: str) -> pa.Schema:
    """The Arrow schema of a contract table: its columns, in contract order, in lake types."""
    return pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in TABLES[table].columns])


def _validity(valid: Mask, n: int) -> tuple[pa.Buffer | None, int]:
    if valid is None or bool(valid.all()):
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), int(n - valid.sum())


def _decimal(units: npt.ArrayLike, typ: pa.DataType, valid: Mask) -> pa.Array:
    v = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0] = v
    words[:, 1] = np.where(v < 0, -1, 0)  # sign extension into the high 64 bits
    buf, nulls = _validity(valid, len(v))
    return pa.Array.from_buffers(typ, len(v), [buf, pa.py_buffer(words)], null_count=nulls)


def money(fen: npt.ArrayLike, valid: Mask = None) -> pa.Array:
    """Integer fen → DECIMAL(18,2) yuan, exactly."""
    return _decimal(fen, MONEY, valid)


def rate(micro: npt.ArrayLike, valid: Mask = None) -> pa.Array:
    """An interest rate in millionths of a percent → DECIMAL(12,6) percent."""
    return _decimal(micro, RATE, valid)


def dates(days: npt.ArrayLike, valid: Mask = None) -> pa.Array:
    v = np.ascontiguousarray(days, dtype=np.int32)
    buf, nulls = _validity(valid, len(v))
    return pa.Array.from_buffers(pa.date32(), len(v), [buf, pa.py_buffer(v)], null_count=nulls)


def ints(values: npt.ArrayLike, valid: Mask = None) -> pa.Array:
    v = np.ascontiguousarray(values, dtype=np.int32)
    buf, nulls = _validity(valid, len(v))
    return pa.Array.from_buffers(pa.int32(), len(v), [buf, pa.py_buffer(v)], null_count=nulls)


def coded(
    codes: npt.ArrayLike, labels: list[str] | tuple[str, ...], valid: Mask = None
) -> pa.Array:
    """Small-vocabulary text as a dictionary array (index → label); DuckDB reads it as VARCHAR."""
    idx = np.ascontiguousarray(codes, dtype=np.int32)
    mask = None if valid is None else ~valid
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=mask), pa.array(list(labels)))


def texts(values: npt.ArrayLike, valid: Mask = None) -> pa.Array:
    arr = np.asarray(values)
    return pa.array(arr.astype(str), type=pa.string(), mask=None if valid is None else ~valid)
