"""trade_flows from the seed's Figure 1 (gold) and no false rows from the corpus's other tables."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pdfplumber
import pytest

from extractors.facts.countries import name_to_country, text_to_countries
from extractors.model import RawTable
from extractors.readers.pdf_tables import merge_continued_tables, page_to_tables
from extractors.tables.table_cells import tables_to_cells
from extractors.tables.trade_flows import cells_to_trade_flows
from schemas import trade_flows as trade_flows_schema
from tests.corpus_paths import PDF_DIR
from tests.test_tables import seed_figure_table


def trade_rows(tables: list[RawTable]) -> list[dict]:
    cells, index = tables_to_cells(tables, [])
    return cells_to_trade_flows(cells, index)


def test_seed_figure_gives_the_gold_trade_flows(gold):
    expected = gold["trade_flows"]
    rows = trade_rows([seed_figure_table()])
    assert len(rows) == 12
    scale = {"USD billions": 1e9}[expected["unit"]]
    wanted = {
        (r["partner"], flow): r[flow] * scale for r in expected["rows"] for flow in ("imports", "exports")
    }
    assert {(r["partner"], r["flow"]): r["value"] for r in rows} == wanted
    assert {r["year"] for r in rows} == {expected["year"]}
    assert {r["scope"] for r in rows} == {expected["scope"]}
    assert {r["reporter"] for r in rows} == {expected["reporter"]}
    assert {r["unit"] for r in rows} == {"USD"}
    assert all(r["product"] is None for r in rows)
    frame = trade_flows_schema.Schema.validate(pd.DataFrame(rows, columns=trade_flows_schema.COLUMNS))
    assert list(frame.columns) == list(trade_flows_schema.COLUMNS)


def test_seed_figure_without_a_single_year_gives_no_rows():
    table = seed_figure_table()
    assert trade_rows([replace(table, caption="Figure 1. Top U.S. Trade Partners")]) == []
    assert trade_rows([replace(table, caption="Figure 1. Top U.S. Trade Partners, 2019-2023")]) == []


def test_seed_figure_without_dollar_units_gives_no_rows():
    table = replace(seed_figure_table(), units_note="Goods and Services")
    assert trade_rows([table]) == []


def test_rows_by_year_take_the_partner_from_the_caption():
    table = RawTable(
        rows=(("Year", "U.S. Exports", "U.S. Imports", "Balance"), ("2022", "80.2", "148.1", "(67.9)"), ("2023", "75.7", "147.2", "-71.5")),
        caption="Table 1. U.S. Goods Trade with Japan",
        units_note="(in billions of dollars)",
        method="markdown",
    )
    rows = trade_rows([table])
    assert {(r["partner"], r["year"], r["flow"]) for r in rows} == {
        ("Japan", year, flow) for year in (2022, 2023) for flow in ("exports", "imports", "balance")
    }
    balance_2022 = next(r for r in rows if r["year"] == 2022 and r["flow"] == "balance")
    assert balance_2022["value"] == pytest.approx(-67.9e9) and balance_2022["scope"] == "goods"
    trade_flows_schema.Schema.validate(pd.DataFrame(rows, columns=trade_flows_schema.COLUMNS))


def test_country_names_resolve_to_canonical_names():
    assert name_to_country("UK") == "United Kingdom"
    assert name_to_country("<b>Japan</b>") == "Japan"
    assert name_to_country("Department of Agriculture") is None
    assert text_to_countries("Figure 1. Top U.S. Trade Partners, 2023") == ["United States"]


@pytest.mark.parametrize("pdf_name", ["IN12614.3.pdf", "IF10753.6.pdf", "R48917.2.pdf"])
def test_non_trade_tables_in_the_corpus_give_no_rows(pdf_name):
    """Tariff timelines and budget tables mention imports or dollars but hold no trade values."""
    with pdfplumber.open(PDF_DIR / pdf_name) as pdf:
        tables = merge_continued_tables([t for page in pdf.pages for _, t in page_to_tables(page) if t is not None])
    assert tables
    assert trade_rows(tables) == []


def test_schema_rejects_unknown_partner_and_bad_flow():
    rows = trade_rows([seed_figure_table()])
    frame = pd.DataFrame(rows, columns=trade_flows_schema.COLUMNS)
    bad_partner = frame.copy()
    bad_partner.loc[0, "partner"] = "Atlantis"
    with pytest.raises(Exception):
        trade_flows_schema.Schema.validate(bad_partner)
    bad_flow = frame.copy()
    bad_flow.loc[0, "flow"] = "re-exports"
    with pytest.raises(Exception):
        trade_flows_schema.Schema.validate(bad_flow)


def test_seed_through_the_text_reader_gives_the_same_rows(gold):
    """The reader strips the block, losing the header's leading tab: the table must not shift."""
    from extractors.readers.text import text_to_document
    from tests.corpus_paths import SEED_PATH

    doc = text_to_document(SEED_PATH.read_text(encoding="utf-8"))
    rows = trade_rows(doc.tables)
    assert sorted((r["partner"], r["flow"], r["value"]) for r in rows) == sorted(
        (r["partner"], r["flow"], r["value"]) for r in trade_rows([seed_figure_table()])
    )
    assert len(rows) == 2 * len(gold["trade_flows"]["rows"])
