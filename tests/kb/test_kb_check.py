"""`kb check` validates every file and reports all problems, each with its path."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from her2path.cli.main import app
from her2path.errors import KnowledgeBaseError
from her2path.kb import load
from her2path.kb.loader import default_dir

runner = CliRunner()


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(default_dir(), target)
    return target


def edit(path: Path, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as exc:
        load(root)
    return [str(p) for p in exc.value.problems]


def test_bundled_knowledge_base_validates() -> None:
    kb = load()
    assert kb.meta.version
    assert len(kb.meta.content_hash) == 12


def test_fact_without_source_is_reported_with_its_path(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["dual_probe_groups"][1].update(sources=[]))
    found = problems(kb_copy)
    assert len(found) == 1
    assert found[0].startswith("her2/criteria/breast.yaml (name breast): dual_probe_groups[1]")
    assert "(group 2) > sources" in found[0]
    assert "at least 1 item" in found[0]


def test_missing_sources_key_is_reported(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["cutoffs"]["ratio"].pop("sources"))
    found = problems(kb_copy)
    assert any("cutoffs > ratio > sources" in p and "Field required" in p for p in found)


def test_malformed_threshold_is_reported_with_its_path(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["cutoffs"]["copies_high"].update(value="six"))
    found = problems(kb_copy)
    assert any("cutoffs > copies_high > value" in p and "valid number" in p for p in found)


def test_all_problems_reported_not_only_the_first(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    gastric = kb_copy / "her2/criteria/gastric.yaml"
    edit(breast, lambda d: d["cutoffs"]["ratio"].update(value="two"))
    edit(gastric, lambda d: d["ihc_calls"][0].update(status="maybe"))
    found = problems(kb_copy)
    assert any(p.startswith("her2/criteria/breast.yaml") for p in found)
    assert any(p.startswith("her2/criteria/gastric.yaml") and "ihc_calls[0]" in p for p in found)


def test_unknown_source_id_is_reported(kb_copy: Path) -> None:
    common = kb_copy / "her2/common.yaml"
    edit(common, lambda d: d["next_steps"][0]["sources"][0].update(source="NOPE-PI"))
    found = problems(kb_copy)
    assert len(found) == 1
    assert "next_steps[0] (code reflex_ish_same_specimen) > sources[0] > source" in found[0]
    assert "unknown source id 'NOPE-PI'" in found[0]


def test_unknown_cutoff_name_is_reported(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["dual_probe_groups"][0]["ratio"].update(at_least="ratioo"))
    found = problems(kb_copy)
    assert any(
        "dual_probe_groups[0] (group 1) > ratio" in p and "unknown cut-off 'ratioo'" in p
        for p in found
    )


def test_overlapping_ish_groups_are_reported(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["dual_probe_groups"][4]["her2_copies"].update(below="copies_high"))
    found = problems(kb_copy)
    assert any("must cover every value exactly once" in p for p in found)


def test_yaml_syntax_error_names_file_and_line(kb_copy: Path) -> None:
    (kb_copy / "her2/common.yaml").write_text("categories: [\n  - broken: : :\n")
    found = problems(kb_copy)
    assert any(p.startswith("her2/common.yaml: line") for p in found)


def test_cli_kb_check_fails_with_paths(kb_copy: Path) -> None:
    breast = kb_copy / "her2/criteria/breast.yaml"
    edit(breast, lambda d: d["dual_probe_groups"][1].update(sources=[]))
    result = runner.invoke(app, ["kb", "check", "--path", str(kb_copy)])
    assert result.exit_code == 3
    assert "dual_probe_groups[1] (group 2) > sources" in result.output


def test_cli_kb_check_passes_on_bundled_kb() -> None:
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "validates" in result.output


def test_seed_sources_name_existing_seed_files() -> None:
    kb = load()
    seeds = default_dir().parent.parent / "shared" / "seeds"
    seed_sources = [s for s in kb.registry.sources if s.kind.value == "seed"]
    assert len(seed_sources) == 5
    for s in seed_sources:
        assert s.file
        if seeds.is_dir():
            assert (seeds / s.file).is_file(), s.file


def test_order_rule_sites_must_match_the_products_own_label(kb_copy: Path) -> None:
    """Herzuma has no gastric indication; an order rule allowing gastric is reported."""
    orders = kb_copy / "interop/orders/her2_orders.yaml"

    def add_gastric(d: dict) -> None:  # type: ignore[type-arg]
        rule = next(r for r in d["rules"] if r["id"] == "trastuzumab_herzuma")
        rule["sites"] = ["breast", "gastric"]

    edit(orders, add_gastric)
    found = problems(kb_copy)
    assert any(
        "herzuma: sites ['gastric'] are not in the product's labelled indications" in p
        and p.startswith("interop/orders/her2_orders.yaml")
        for p in found
    ), found


def test_order_rules_must_cover_every_labelled_site(kb_copy: Path) -> None:
    orders = kb_copy / "interop/orders/her2_orders.yaml"

    def breast_only(d: dict) -> None:  # type: ignore[type-arg]
        rule = next(r for r in d["rules"] if r["id"] == "fam_trastuzumab_deruxtecan_gastric")
        rule["sites"] = ["gastric"]

    edit(orders, breast_only)
    found = problems(kb_copy)
    assert any(
        "enhertu: labelled sites ['gej'] are not allowed by any order rule" in p for p in found
    ), found
