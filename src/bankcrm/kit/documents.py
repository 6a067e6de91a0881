"""Rule documents staff write as TOML (tier rule sets, maintenance policies, alert rules): read
with every problem in Chinese naming the field, stored as canonical JSON whose hash tells an
unchanged re-import from a new version."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ValidationError

from bankcrm.errors import InvalidInput


class VersionedDocument(BaseModel):
    """A rule document: canonical JSON (sorted keys) and its content hash."""

    def digest(self) -> str:
        """Content hash: importing an unchanged file makes no new version."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.model_validate_json(text)


D = TypeVar("D", bound=BaseModel)


def load_toml(
    model: type[D],
    text: str,
    source: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> D:
    """`model` from TOML text (`prepare`: the document's words → the model's fields); any
    problem → InvalidInput naming the file, the field and why."""
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source}：TOML 语法错误：{exc}", loc=(source,)) from exc
    try:
        return model.model_validate(prepare(doc) if prepare else doc)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise InvalidInput(f"{source}：{explain(exc)}", loc=(source,)) from exc


_PYDANTIC_ZH = {
    "extra_forbidden": "未定义的字段",
    "missing": "缺少必填字段",
    "enum": "取值不在允许范围内",
    "date_from_datetime_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "date_parsing": "日期格式错误，应为 YYYY-MM-DD",
    "int_parsing": "应为整数",
    "too_short": "数量不足",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def explain(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e["loc"])
            msg = _PYDANTIC_ZH.get(e["type"]) or str(e["msg"]).removeprefix("Value error, ")
            if e["type"] == "enum":
                msg += f"：{e.get('ctx', {}).get('expected', '')}"
            parts.append(f"{where}：{msg}" if where else msg)
        return "；".join(parts)
    return str(exc)
