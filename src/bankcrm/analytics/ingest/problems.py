"""What an ingest found: problems (file, line, column, value, rule, reason) and per-table counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# rule code -> the sentence staff read (简体中文). Codes are stable; tests and reports key on them.
RULES: dict[str, str] = {
    "missing_file": "缺少文件：本批次必须提供该表",
    "unreadable_file": "文件无法读取",
    "duplicate_file": "同一张表提供了多个文件",
    "empty_file": "文件为空，没有表头行",
    "missing_column": "表头缺少必需列",
    "unknown_column": "表头含未定义的列（已保留原值落地）",
    "duplicate_column": "表头列名重复",
    "no_rows": "只有表头，没有数据行；该表每批必须有数据",
    "bad_encoding": "文件编码与声明不符",
    "malformed_row": "本行列数与表头不符（行被截断或分隔符错误）",
    "missing_value": "必填字段为空",
    "bad_date": "日期格式错误，应为 YYYY-MM-DD 或 YYYYMMDD 且为真实日期",
    "bad_decimal": "金额格式错误，应为以元为单位的数字",
    "too_many_decimals": "金额最多两位小数",
    "bad_rate": "利率格式错误，应为数字（最多 6 位小数）",
    "bad_int": "整数格式错误",
    "bad_bool": "布尔值错误，应为 true/false、1/0、Y/N 或 是/否",
    "unknown_enum": "取值不在允许范围内",
    "negative": "不能为负数",
    "future_date": "日期晚于本批数据日期（as_of）",
    "bad_phone": "手机号应为 1 开头的 11 位数字",
    "bad_id_format": "居民身份证号应为 18 位（17 位数字 + 数字或 X）且含真实出生日期",
    "bad_id_check_digit": "居民身份证号校验位错误（GB 11643）",
    "id_birth_mismatch": "出生日期与身份证号不一致",
    "id_gender_mismatch": "性别与身份证号第 17 位不一致",
    "duplicate_key": "主键重复",
    "dangling_ref": "引用的记录在本批次和数据湖中都不存在",
    "rejected_ref": "引用的记录本批次被拒收",
}


@dataclass(frozen=True)
class Problem:
    table: str
    file: str
    line: int | None  # as a spreadsheet shows it: the header is line 1
    column: str | None
    value: str | None
    rule: str
    reason: str

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TableStats:
    table: str
    file: str | None = None
    rows_read: int = 0
    rows_rejected: int = 0
    rows_landed: int = 0
    unknown_columns: list[str] = field(default_factory=list)


def problem(
    table: str,
    file: Path,
    line: int | None,
    column: str | None,
    rule: str,
    detail: str = "",
    value: str | None = None,
) -> Problem:
    """A Problem whose reason is the rule's sentence, plus `detail` when there is one."""
    return Problem(
        table, file.name, line, column, value, rule, RULES[rule] + (f"：{detail}" if detail else "")
    )


@dataclass
class IngestReport:
    run_id: str
    drop: str
    as_of: date
    quarantine: bool
    status: str = "running"  # landed | rejected | landed_with_rejects
    tables: dict[str, TableStats] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # capped per (table, rule)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # exact, per (table, rule)
    seconds: float = 0.0
    detail_limit: int = 10_000

    def add(self, problem: Problem, *, count: int = 1) -> None:
        key = (problem.table, problem.rule)
        if self.counts[key] < self.detail_limit:
            self.problems.append(problem)
        self.counts[key] += count

    @property
    def errors(self) -> int:
        return sum(n for (_t, rule), n in self.counts.items() if rule != "unknown_column")

    def sorted_problems(self) -> list[Problem]:
        order = {t: i for i, t in enumerate(self.tables)}
        return sorted(
            self.problems, key=lambda p: (order.get(p.table, 99), p.line or 0, p.column or "")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "drop": self.drop,
            "as_of": self.as_of.isoformat(),
            "quarantine": self.quarantine,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "tables": {k: asdict(v) for k, v in self.tables.items()},
            "counts": [
                {"table": t, "rule": r, "reason": RULES[r], "count": n}
                for (t, r), n in sorted(self.counts.items())
            ],
            "problems": [p.as_row() for p in self.sorted_problems()],
        }
