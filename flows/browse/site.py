"""`crsdata browse`: the browse database served by Datasette, configured by crsdata.

Datasette does the browsing (tables, facets, full-text search, the JSON API, CSV/JSON export of any
filtered view); crsdata gives it the metadata (every table and column described from the pandera
schemas, as each edition's datapackage.json is), facets, canned queries, and a small plugin with the
landing page (reports and their editions), each diff's summary.md as a page, and downloads of the
published files only: the files an edition's or a diff's manifest lists, the Parquet archive, the
catalog, and the originals of published editions from the raw store. Nothing else under the data
folder is reachable, and no folder is listed.
"""
from __future__ import annotations

import asyncio
import html
import re
import socket
from pathlib import Path
from urllib.parse import quote, unquote

import markdown
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import escape_fts
from datasette.utils.asgi import Response, asgi_send_file

from flows.store.archive_parquet import ARCHIVE_FOLDER
from flows.browse.database import (
    DATABASE_NAME, HISTORY_TABLES, LOADED_DIFFS, LOADED_EDITIONS, LOADED_HISTORY, refresh_browse_data, schema_module,
)
from flows.errors import CrsdataError
from flows.store.publish import check_path_part, read_manifest
from flows.store.raw_store import object_path
from schemas import DATASETS

DATABASE = "crsdata"
TEMPLATES = Path(__file__).parent / "templates"
PLUGIN_NAME = "crsdata-browse"
# Pages of 1000 rows: a report's figures across all its editions come back in one JSON answer.
SETTINGS = {"default_page_size": 1000, "max_returned_rows": 5000, "sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "allow_download": False}
LICENSE = ("Public domain: works of the U.S. Government (17 U.S.C. 105)", "https://www.copyright.gov/title17/92chap1.html#105")
SOURCE = ("Congressional Research Service reports, extracted by crsdata", "https://www.congress.gov/crs-products")
FACETS = {
    "documents": ["product_type", "source_format"],
    "authors": ["report_id", "role"],
    "sections": ["report_id", "edition", "level", "boilerplate"],
    "footnotes": ["report_id", "edition"],
    "entities": ["report_id", "label"],
    "entity_counts": ["report_id", "label"],
    "acronyms": ["report_id", "edition"],
    "dates": ["report_id", "granularity", "inferred_year"],
    "figures": ["report_id", "edition", "kind", "unit", "year"],
    "table_cells": ["report_id", "unit", "caption"],
    "trade_flows": ["report_id", "flow", "partner", "year", "unit"],
    "tables": ["report_id", "kind", "unit"],
    "changes": ["report_id", "dataset", "change"],
    "editions": ["product_type"],
}
EDITIONS_COLUMNS = {
    "version": "CRS version number printed in the document, empty when not printed",
    "date": "Document date (ISO)",
    "title": "Product title as printed",
    "product_type": "CRS product type: In Focus, Insight, Legal Sidebar, Report, Testimony",
    "path": "Edition folder under processed/",
    "source_sha256": "sha256 of the original bytes (its key in the raw store)",
    "rows": "Rows in all datasets of the edition",
    "published_at": "When the edition folder was published (UTC)",
}
QUERIES = {
    "report_figures": {
        "title": "A report's figures across editions",
        "description": "Every numeric statement of one report in every edition, grouped by what it measures.",
        "sql": """select f.report_id, f.edition, e.date, f.subject, f.text, f.kind, f.value, f.unit, f.year, f.sentence
from figures f join editions e on e.report_id = f.report_id and e.edition = f.edition
where f.report_id = :report_id
order by f.subject, e.date, f.char_start""",
    },
    "latest_changes": {
        "title": "What changed in each report's latest edition",
        "description": "The changes published between each report's latest edition and the edition before it.",
        "sql": """select c.report_id, c.from_edition, c.to_edition, c.dataset, c.change, c.key, c.field, c.old, c.new, c.section
from changes c join latest_editions l on c.report_id = l.report_id and c.to_edition = l.edition
order by c.report_id, c.dataset, c.change, c.key""",
    },
    "search_text": {
        "title": "Search the text of every report",
        "description": "Full-text search over section text, figure sentences and table captions of every edition.",
        "sql": """select 'section' as found_in, s.report_id, s.edition, s.heading as place,
  snippet(sections_fts, -1, '[', ']', ' … ', 32) as excerpt, sections_fts.rank as score
from sections_fts join sections s on s.rowid = sections_fts.rowid where sections_fts match escape_fts(:q)
union all
select 'figure', f.report_id, f.edition, f.subject, snippet(figures_fts, -1, '[', ']', ' … ', 32), figures_fts.rank
from figures_fts join figures f on f.rowid = figures_fts.rowid where figures_fts match escape_fts(:q)
union all
select 'table', t.report_id, t.edition, t.table_id, snippet(tables_fts, -1, '[', ']', ' … ', 32), tables_fts.rank
from tables_fts join tables t on t.rowid = tables_fts.rowid where tables_fts match escape_fts(:q)
order by score, report_id, edition
limit 500""",
    },
}
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".parquet": "application/vnd.apache.parquet", ".json": "application/json", ".md": "text/markdown; charset=utf-8"}
ORIGINAL_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8", "text": "text/plain; charset=utf-8"}


# ---------------------------------------------------------------- metadata

def dataset_description(name: str) -> tuple[str, dict[str, str]]:
    """The dataset's description and its columns' descriptions, from its pandera schema."""
    module = schema_module(name)
    columns = {column: spec.description or "" for column, spec in module.Schema.to_schema().columns.items()}
    return (module.__doc__ or "").strip(), columns


def key_descriptions() -> dict[str, str]:
    _, documents = dataset_description("documents")
    return {"report_id": documents["report_id"], "edition": documents["edition"]}


def table_metadata(name: str) -> dict:
    description, columns = dataset_description(name)
    keys = key_descriptions()
    if name == "changes":
        keys = {
            "report_id": keys["report_id"],
            "from_edition": "The older edition compared (editions.edition)",
            "to_edition": "The newer edition compared (editions.edition)",
        }
    return {"description": description, "columns": {**keys, **columns}, "facets": FACETS.get(name, ["report_id"])}


def datasette_metadata() -> dict:
    tables = {}
    for name in DATASETS:
        tables[name] = table_metadata(name)
        latest = table_metadata(name)
        latest["description"] = f"Each report's latest edition only. {latest['description']}"
        latest["facets"] = [f for f in latest["facets"] if f != "edition"]
        tables[f"latest_{name}"] = latest
    tables["changes"] = table_metadata("changes")
    catalog = {**key_descriptions(), **EDITIONS_COLUMNS}
    tables["editions"] = {"description": "The catalog: one row per published edition.", "columns": catalog, "facets": FACETS["editions"]}
    tables["latest_editions"] = {"description": "Each report's latest edition (newest date, then highest version).", "columns": catalog}
    for name in HISTORY_TABLES:
        tables[name] = {"description": f"{name.replace('_', ' ')}: one row per fact per edition, across a report's editions.", "facets": ["report_id"]}
    for name in (LOADED_EDITIONS, LOADED_DIFFS, LOADED_HISTORY):
        tables[name] = {"hidden": True}
    return {
        "title": "crsdata: Congressional Research Service reports as data",
        "license": LICENSE[0], "license_url": LICENSE[1], "source": SOURCE[0], "source_url": SOURCE[1],
        "databases": {
            DATABASE: {
                "description": "Every published edition of every report: one table per dataset (report_id and edition first), "
                "editions (the catalog), changes (every published diff), latest_<dataset> views.",
                "tables": tables,
                "queries": QUERIES,
            }
        },
    }


# ---------------------------------------------------------------- what may be served

def published_edition_file(processed: Path, report_id: str, edition: str, name: str) -> Path | None:
    """An edition's file when its manifest lists it (or it is the manifest or datapackage.json)."""
    try:
        folder = processed / check_path_part(report_id, "report id") / check_path_part(edition, "edition")
    except CrsdataError:
        return None
    manifest = read_manifest(folder)
    if manifest is None or name not in {*manifest.get("files", {}), "manifest.json", "datapackage.json"}:
        return None
    return folder / name


def published_diff_file(processed: Path, report_id: str, pair: str, name: str) -> Path | None:
    from_edition, _, to_edition = pair.partition("__")
    try:
        folder = processed / check_path_part(report_id, "report id") / "diffs" / f"{check_path_part(from_edition, 'edition')}__{check_path_part(to_edition, 'edition')}"
    except CrsdataError:
        return None
    manifest = read_manifest(folder)
    if manifest is None or name not in {*manifest.get("files", {}), "manifest.json"}:
        return None
    return folder / name


def archive_file(processed: Path, name: str) -> Path | None:
    stem, dot, suffix = name.partition(".")
    if suffix != "parquet" or stem not in (*DATASETS, "changes"):
        return None
    path = processed / ARCHIVE_FOLDER / name
    return path if path.is_file() else None


def summary_to_html(summary_md: str) -> str:
    """summary.md as HTML; document text in it is escaped first, so it can never become markup."""
    return markdown.markdown(html.escape(summary_md, quote=False), extensions=["sane_lists"])


# ---------------------------------------------------------------- the plugin

class BrowsePlugin:
    """Datasette hooks bound to one data folder."""

    __name__ = PLUGIN_NAME

    def __init__(self, processed: Path, raw: Path):
        self.processed = processed
        self.raw = raw

    @hookimpl
    def prepare_connection(self, conn):
        # Canned queries search with the same escaping Datasette applies to a table's ?_search=
        conn.create_function("escape_fts", 1, escape_fts, deterministic=True)

    @hookimpl
    def register_routes(self):
        return [
            (r"^/$", self.landing_page),
            (r"^/diffs/(?P<report_id>[^/]+)/(?P<pair>[^/]+)$", self.diff_page),
            (r"^/files/all/(?P<name>[^/]+)$", self.archive_download),
            (r"^/files/(?P<report_id>[^/]+)/diffs/(?P<pair>[^/]+)/(?P<name>[^/]+)$", self.diff_download),
            (r"^/files/(?P<report_id>[^/]+)/(?P<edition>[^/]+)/(?P<name>[^/]+)$", self.edition_download),
            (r"^/files/(?P<name>catalog\.(?:csv|parquet))$", self.catalog_download),
            (r"^/originals/(?P<sha>[0-9a-f]{64})$", self.original_download),
            (r"^/(?:files|originals|diffs)(?:/.*)?$", self.not_found),  # nothing else under these, not even a listing
        ]

    async def not_found(self):
        return Response.text("Not found", status=404)

    async def landing_page(self, datasette, request):
        db = datasette.get_database(DATABASE)
        editions = (await db.execute(
            "select e.*, d.source_format, d.source_name from editions e left join documents d "
            "on d.report_id = e.report_id and d.edition = e.edition "
            "order by e.report_id, e.date desc, coalesce(e.version, 0) desc, e.edition desc"
        )).rows
        diffs = (await db.execute(f"select report_id, from_edition, to_edition from [{LOADED_DIFFS}]")).rows
        diff_to = {(d["report_id"], d["to_edition"]): d["from_edition"] for d in diffs}
        reports: dict[str, dict] = {}
        for row in map(dict, editions):
            report = reports.setdefault(row["report_id"], {"report_id": row["report_id"], "title": row["title"], "product_type": row["product_type"], "editions": []})
            row["diff_from"] = diff_to.get((row["report_id"], row["edition"]))
            report["editions"].append(row)
        context = {
            "metadata": datasette.metadata(), "reports": list(reports.values()), "datasets": DATASETS, "database": DATABASE, "quote": quote,
            "archive": [name for name in (*DATASETS, "changes") if archive_file(self.processed, f"{name}.parquet")],
        }
        return Response.html(await datasette.render_template("crsdata_index.html", context, request=request))

    async def diff_page(self, datasette, request):
        report_id, pair = unquote(request.url_vars["report_id"]), unquote(request.url_vars["pair"])
        path = published_diff_file(self.processed, report_id, pair, "summary.md")
        if path is None or not path.is_file():
            return Response.html("Not found", status=404)
        from_edition, _, to_edition = pair.partition("__")
        context = {
            "metadata": datasette.metadata(), "report_id": report_id, "from_edition": from_edition, "to_edition": to_edition,
            "database": DATABASE, "quote": quote,
            "summary_html": summary_to_html(path.read_text(encoding="utf-8")),
        }
        return Response.html(await datasette.render_template("crsdata_diff.html", context, request=request))

    async def send(self, send, path: Path | None, content_type: str | None = None, filename: str | None = None):
        if path is None or not path.is_file():
            await Response.text("Not found", status=404).asgi_send(send)
            return
        await asgi_send_file(
            send, path, filename=filename, content_type=content_type or CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
            headers={"x-content-type-options": "nosniff"},
        )

    async def edition_download(self, request, send):
        report_id, edition, name = (unquote(request.url_vars[k]) for k in ("report_id", "edition", "name"))
        path = published_edition_file(self.processed, report_id, edition, name)
        await self.send(send, path, filename=None if name.endswith(".json") else f"{report_id}_{edition}_{name}")

    async def diff_download(self, request, send):
        report_id, pair, name = (unquote(request.url_vars[k]) for k in ("report_id", "pair", "name"))
        await self.send(send, published_diff_file(self.processed, report_id, pair, name))

    async def archive_download(self, request, send):
        name = unquote(request.url_vars["name"])
        await self.send(send, archive_file(self.processed, name), filename=name)

    async def catalog_download(self, request, send):
        await self.send(send, self.processed / request.url_vars["name"], filename=request.url_vars["name"])

    async def original_download(self, datasette, request, send):
        """Originals of published editions only: the raw store may hold files never published."""
        sha = request.url_vars["sha"]
        rows = (await datasette.get_database(DATABASE).execute(
            "select source_format, source_name from documents where source_sha256 = ? limit 1", [sha]
        )).rows
        if not rows:
            await self.send(send, None)
            return
        # Served as an attachment: an original HTML page must not run in this site's origin.
        filename = re.sub(r"[^A-Za-z0-9._-]+", "_", rows[0]["source_name"] or "") or sha  # it goes into a header
        await self.send(send, object_path(self.raw, sha), ORIGINAL_TYPES.get(rows[0]["source_format"]), filename)


# ---------------------------------------------------------------- serving

def browse_app(processed: Path, raw: Path) -> Datasette:
    """A started Datasette over processed/crsdata.db with the crsdata plugin registered."""
    # Datasette 0.65.5 prints every error with rich when rich is installed (Prefect installs it); for a
    # URL no route matches there is no exception being handled, rich raises, and the 404 becomes a 500.
    # (Imported here: imported before datasette.app, the module registers itself half-initialised.)
    from datasette import handle_exception as datasette_errors

    datasette_errors.rich = None
    if pm.has_plugin(PLUGIN_NAME):
        pm.unregister(name=PLUGIN_NAME)
    pm.register(BrowsePlugin(processed, raw), name=PLUGIN_NAME)
    datasette = Datasette(
        [str(processed / DATABASE_NAME)], metadata=datasette_metadata(), template_dir=str(TEMPLATES), settings=SETTINGS,
    )
    asyncio.run(datasette.invoke_startup())
    return datasette


class AddressInUseError(CrsdataError):
    """The server cannot listen on the address asked for."""


def check_address(host: str, port: int) -> None:
    """Fail with one line before any work when the address is taken (uvicorn would log and exit)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closing socket is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise AddressInUseError(f"{host}:{port}", f"cannot listen there ({exc.strerror}); choose another --port or --host") from None


def serve_browser(processed: Path, raw: Path, host: str = "127.0.0.1", port: int = 8001, announce=lambda message: None) -> None:
    """Bring the database up to date, then serve it until Ctrl-C (or SIGTERM)."""
    import uvicorn

    check_address(host, port)
    refresh_browse_data(processed)
    datasette = browse_app(processed, raw)
    announce(f"Serving {processed / DATABASE_NAME} at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
    except KeyboardInterrupt:
        pass  # uvicorn has shut down; it re-raises the signal it caught, which is our cue to return
    finally:
        pm.unregister(name=PLUGIN_NAME)
