"""Tier rule sets: the presets as DESIGN §6 writes them, validation, versioning and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.config import get_settings
from bankcrm.errors import InvalidInput, NotFound
from bankcrm.tiering import service
from bankcrm.tiering.models import TierRuleSet
from bankcrm.tiering.schemas import format_amount, parse_amount, parse_toml

WAN = 1_000_000  # fen in 1万


@pytest.mark.parametrize(
    ("name", "basis", "tiers"),
    [
        (
            "deposit_4tier",
            "deposit_month_avg",
            [("普通", 0), ("潜力", 5), ("优质", 50), ("高端", 300)],
        ),
        (
            "maintenance_3tier",
            "aum_month_avg",
            [("大众", 0), ("中端", 20), ("高端", 100), ("顶级", 500)],
        ),
        (
            "outlet_adoption",
            "aum_month_avg",
            [("未分层", 0), ("员工维护", 5), ("网点领养", 10), ("理财经理", 20), ("财富中心", 200)],
        ),
    ],
)
def test_presets_are_the_tiers_of_design_section_6(
    name: str, basis: str, tiers: list[tuple[str, int]]
) -> None:
    spec = parse_toml(service.preset_toml(name))
    assert spec.basis.value == basis
    assert [(t.name, t.lower_fen) for t in spec.tiers] == [(n, w * WAN) for n, w in tiers]
    assert parse_toml(spec.to_toml()) == spec  # export → import gives the same rule set


def test_outlet_adoption_staff_tier_is_for_under_60s_and_deposit_preset_has_qualifiers() -> None:
    adoption = parse_toml(service.preset_toml("outlet_adoption"))
    assert adoption.tiers[1].max_age == 60
    deposit = parse_toml(service.preset_toml("deposit_4tier"))
    kinds = {(q.kind.value, q.at_least_fen or q.at_least_level, q.tier) for q in deposit.qualifiers}
    assert kinds == {
        ("credit_card_annual_spend", 5 * WAN, "潜力"),
        ("personal_loan_balance", 30 * WAN, "潜力"),
        ("custody_margin", 1 * WAN, "潜力"),
        ("card_level", "platinum", "潜力"),
    }


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("5万", 5 * WAN),
        ("50000", 5 * WAN),
        ("49999.99", 4_999_999),
        ("0", 0),
        (300, 30_000),
        ("1,000", 100_000),
    ],
)
def test_amounts_are_read_exactly(text: object, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize("bad", [50000.5, "5.5.5", "-5万", "12.345", True, "五万"])
def test_inexact_or_unreadable_amounts_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="金额"):
        parse_amount(bad)


@pytest.mark.parametrize("fen", [0, 1, 4_999_999, 5 * WAN, 123 * WAN + 50, 300 * WAN])
def test_amounts_format_back_to_what_they_were(fen: int) -> None:
    assert parse_amount(format_amount(fen)) == fen


def _toml(tiers: str, extra: str = "") -> str:
    head = 'name = "test_rs"\ntitle = "测试"\neffective_from = 2026-01-01\n'
    return head + extra + tiers


TWO_TIERS = '[[tiers]]\nname = "A"\nlower = "0"\n[[tiers]]\nname = "B"\nlower = "5万"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _toml('[[tiers]]\nname = "A"\nlower = "1"\n[[tiers]]\nname = "B"\nlower = "5万"\n'),
            "第一层的下限必须为 0",
        ),
        (
            _toml('[[tiers]]\nname = "A"\nlower = "0"\n[[tiers]]\nname = "B"\nlower = "0"\n'),
            "严格递增",
        ),
        (
            _toml('[[tiers]]\nname = "A"\nlower = "0"\n[[tiers]]\nname = "A"\nlower = "1万"\n'),
            "名称重复",
        ),
        (
            _toml(
                TWO_TIERS
                + '[[qualifiers]]\nkind = "custody_margin"\nat_least = "1万"\ntier = "C"\n'
            ),
            "不存在的层级 C",
        ),
        (
            _toml(
                TWO_TIERS + '[[qualifiers]]\nkind = "card_level"\nat_least = "gold+"\ntier = "B"\n'
            ),
            "卡等级",
        ),
        (_toml(TWO_TIERS + '[coefficients]\nstock = "0.5"\n'), "未知资产类别 stock"),
        (_toml(TWO_TIERS + '[coefficients]\nfund = "1.5"\n'), "0 到 1"),
        (_toml(TWO_TIERS + "[coefficients]\nfund = 0.8\n"), "加引号"),
        (
            _toml('[[tiers]]\nname = "A"\nlower = 0.5\n[[tiers]]\nname = "B"\nlower = "5万"\n'),
            "加引号的小数",
        ),
        (_toml(TWO_TIERS, 'basis = "aum_peak"\n'), "basis：取值不在允许范围内"),
        (_toml(TWO_TIERS, "surprise = 1\n"), "surprise：未定义的字段"),
        ("name = ", "TOML 语法错误"),
        (_toml(TWO_TIERS).replace("test_rs", "Deposit 4"), "小写字母"),
    ],
)
def test_invalid_rule_sets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_toml(text, "x.toml")
    assert message in caught.value.message and caught.value.message.startswith("x.toml")


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(TierRuleSet)) or 0)


def test_presets_install_once_and_reimport_makes_no_version(db_session: Session) -> None:
    assert [rs.spec.name for rs in service.install_presets(db_session, "t")] == list(
        service.PRESETS
    )
    assert service.install_presets(db_session, "t") == []
    rs, created = service.import_toml(db_session, "t", service.preset_toml("deposit_4tier"))
    assert not created and rs.version == 1 and _count(db_session) == 3


def test_a_changed_rule_set_becomes_the_next_version(db_session: Session) -> None:
    service.install_presets(db_session, "t")
    text = service.preset_toml("maintenance_3tier")
    changed = text.replace('lower = "20万"', 'lower = "30万"').replace("2020-01-01", "2027-01-01")
    rs, created = service.import_toml(db_session, "analyst", changed)
    assert created and rs.version == 2 and rs.created_by == "analyst"
    assert service.get(db_session, "maintenance_3tier").spec.tiers[1].lower_fen == 30 * WAN
    assert service.get(db_session, "maintenance_3tier", 1).spec.tiers[1].lower_fen == 20 * WAN
    # effective dating: the old version still decides 2026, the new one from 2027
    assert service.in_force(db_session, "maintenance_3tier", date(2026, 12, 31)).version == 1
    assert service.in_force(db_session, "maintenance_3tier", date(2027, 1, 1)).version == 2
    listed = {rs.spec.name: (rs.version, rs.versions) for rs in service.list_rule_sets(db_session)}
    assert listed["maintenance_3tier"] == (2, 2) and listed["deposit_4tier"] == (1, 1)


def test_unknown_rule_sets_and_versions_are_not_found(db_session: Session) -> None:
    service.install_presets(db_session, "t")
    with pytest.raises(NotFound, match="nope"):
        service.get(db_session, "nope")
    with pytest.raises(NotFound, match="第 9 版"):
        service.get(db_session, "deposit_4tier", 9)
    with pytest.raises(NotFound, match="没有生效的版本"):
        service.in_force(db_session, "deposit_4tier", date(2019, 12, 31))


runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from bankcrm.db.session import get_engine

    monkeypatch.setenv("BANKCRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_export_edit_import_makes_version_2(cli_db: Path) -> None:
    out = cli_db / "oa.toml"
    assert (
        runner.invoke(
            app, ["tiers", "rules", "export", "outlet_adoption", "--out", str(out)]
        ).exit_code
        == 0
    )
    out.write_text(out.read_text("utf-8").replace('"10万"', '"12万"'), "utf-8")
    result = runner.invoke(app, ["tiers", "rules", "import", str(out)])
    assert result.exit_code == 0 and "第 2 版" in result.output
    again = runner.invoke(app, ["tiers", "rules", "import", str(out)])
    assert again.exit_code == 0 and "未产生新版本" in again.output
    listing = runner.invoke(app, ["tiers", "rules", "list"])
    assert "outlet_adoption" in listing.output and "2/2" in listing.output
    shown = runner.invoke(app, ["tiers", "rules", "show", "outlet_adoption", "--version", "1"])
    assert shown.exit_code == 0 and '"10万"' in shown.output


def test_cli_refuses_a_bad_file_and_stores_nothing(cli_db: Path) -> None:
    bad = cli_db / "bad.toml"
    bad.write_text(
        _toml('[[tiers]]\nname = "A"\nlower = "0"\n[[tiers]]\nname = "B"\nlower = "0"\n'), "utf-8"
    )
    result = runner.invoke(app, ["tiers", "rules", "import", str(bad)])
    assert result.exit_code == 2 and "严格递增" in result.output
    listing = runner.invoke(app, ["tiers", "rules", "list"])
    assert "test_rs" not in listing.output and "1/1" in listing.output
    missing = runner.invoke(app, ["tiers", "rules", "show", "nope"])
    assert missing.exit_code == 2 and "没有规则集 nope" in missing.output
