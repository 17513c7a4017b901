"""`crsdata.toml`: which sources to poll and how politely; the file's shape checked by pydantic models
(unknown keys forbidden, strict types), the values by one dataclass that checks itself.

Relative paths in the file are relative to the file's folder. Command-line flags override or extend
what the file says (see `PollConfig.with_overrides`). Unknown keys are errors: a misspelt setting
that silently does nothing is worse than a refusal.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from flows.errors import CrsdataError
from flows.store.location import data_dir_to_location, is_store_url

DEFAULT_CRS_BASE_URL = "https://www.congress.gov"
DEFAULT_API_BASE_URL = "https://api.congress.gov"
DEFAULT_CRON = "0 6 * * *"

class ConfigError(CrsdataError):
    """The configuration file or a flag is not usable."""


def report_ids_to_checked(report_ids, subject: str) -> tuple[str, ...]:
    """Normalised, de-duplicated report numbers; the first one that is not a CRS number is an error.

    Report numbers go into URLs and folder names, so they are checked before any request is made.
    """
    from extractors.identity import is_valid_report_id, normalize_report_id

    if isinstance(report_ids, str):
        raise ConfigError(subject, f"report numbers must be a list, got the string {report_ids!r}")
    checked = tuple(dict.fromkeys(normalize_report_id(str(r)) for r in report_ids))
    for report_id in checked:
        if not is_valid_report_id(report_id):
            raise ConfigError(subject, f"{report_id!r}: invalid report number (expected e.g. IF10199, R48694)")
    return checked


def watch_ids_to_checked(report_ids, subject: str) -> tuple[str, ...]:
    """Report numbers the `crs` source can watch: those with product-type letters (a PDF folder)."""
    checked = report_ids_to_checked(report_ids, subject)
    for report_id in checked:
        if not report_id[0].isalpha():
            raise ConfigError(subject, f"{report_id}: has no versioned-PDF folder at CRS; use the congress_api source")
    return checked


@dataclass(frozen=True)
class PollConfig:
    data_dir: Path | str = field(default_factory=lambda: Path(os.environ.get("CRSDATA_HOME") or "."))
    workers: int = 1
    inboxes: tuple[Path, ...] = ()
    watch: tuple[str, ...] = ()
    crs_base_url: str = DEFAULT_CRS_BASE_URL
    max_first_version: int = 60       # how far up a report never seen before is searched
    backfill: bool = False            # first sight of a report: every version, or only the newest
    congress_api: bool = False
    api_base_url: str = DEFAULT_API_BASE_URL
    api_key_env: str = "CONGRESS_API_KEY"
    api_lookback_days: float = 3.0
    api_report_ids: tuple[str, ...] = ()
    api_page_size: int = 250
    api_max_list_walks: int = 20      # walks of one window's list before it counts as unsettled (ties reorder)
    min_interval_seconds: float = 1.0
    timeout_seconds: float = 30.0
    retry_delay_seconds: tuple[float, ...] = (2.0, 10.0, 30.0)
    max_bytes: int = 60 * 1024 * 1024
    cron: str = DEFAULT_CRON
    source_file: Path | None = None
    store_url: str | None = None      # data_dir given as a store URL: data_dir is then its local mirror

    def __post_init__(self) -> None:
        subject = str(self.source_file or "settings")
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen dataclass)
        folder, url = data_dir_to_location(self.data_dir)
        set_("data_dir", folder)
        if url:
            set_("store_url", url)
        set_("inboxes", tuple(Path(p).resolve() for p in self.inboxes))
        set_("watch", watch_ids_to_checked(self.watch, subject))
        set_("api_report_ids", report_ids_to_checked(self.api_report_ids, subject))
        set_("retry_delay_seconds", tuple(float(d) for d in self.retry_delay_seconds))
        for url_field in ("crs_base_url", "api_base_url"):
            if not str(getattr(self, url_field)).startswith(("http://", "https://")):
                raise ConfigError(subject, f"{url_field}: must be an http(s) URL, got {getattr(self, url_field)!r}")
        checks = [
            (self.workers >= 1, "workers must be at least 1"),
            (self.max_first_version >= 1, "max_first_version must be at least 1"),
            (1 <= self.api_page_size <= 250, "page_size must be between 1 and 250 (the API's maximum)"),
            (self.api_max_list_walks >= 1, "max_list_walks must be at least 1"),
            (self.api_lookback_days > 0, "lookback_days must be positive"),
            (self.min_interval_seconds >= 0, "min_interval_seconds cannot be negative"),
            (self.timeout_seconds > 0, "timeout_seconds must be positive"),
            (all(d >= 0 for d in self.retry_delay_seconds), "retry_delay_seconds cannot be negative"),
            (self.max_bytes > 0, "max_bytes must be positive"),
            (len(self.cron.split()) == 5, f"cron must have five fields (minute hour day month weekday), got {self.cron!r}"),
            (bool(self.api_key_env), "api_key_env must name an environment variable"),
        ]
        for ok, reason in checks:
            if not ok:
                raise ConfigError(subject, reason)

    @property
    def location(self) -> str:
        return self.store_url or str(self.data_dir)

    @property
    def has_sources(self) -> bool:
        return bool(self.inboxes or self.watch or self.congress_api)

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None

    def with_overrides(self, *, watch=(), inboxes=(), crs_base_url=None, data_dir=None, workers=None) -> "PollConfig":
        """Flags: --watch and --inbox extend the lists, the others replace the file's value."""
        changes: dict = {}
        if watch:
            changes["watch"] = tuple(self.watch) + watch_ids_to_checked(watch, "--watch")
        if inboxes:
            changes["inboxes"] = tuple(self.inboxes) + tuple(Path(p) for p in inboxes)
        for name, value in (("crs_base_url", crs_base_url), ("data_dir", data_dir), ("workers", workers)):
            if value is not None:
                changes[name] = value
        if data_dir is not None:
            changes["store_url"] = None  # set again by __post_init__ when the new data_dir is a URL
        return replace(self, **changes) if changes else self


class FileTable(BaseModel):
    """One table of the file: unknown keys and values of the wrong type are refused, not coerced.
    A key is the PollConfig field of the same name unless `renamed` says otherwise."""
    model_config = ConfigDict(extra="forbid", strict=True)
    renamed: ClassVar[dict[str, str]] = {}


class CrsdataTable(FileTable):
    data_dir: str | None = None
    workers: int | None = None


class FolderTable(FileTable):
    inboxes: list[str] | None = None


class CrsTable(FileTable):
    renamed: ClassVar[dict[str, str]] = {"base_url": "crs_base_url"}
    watch: list[str] | None = None
    base_url: str | None = None
    max_first_version: int | None = None
    backfill: bool | None = None


class CongressApiTable(FileTable):
    renamed: ClassVar[dict[str, str]] = {
        "enabled": "congress_api", "base_url": "api_base_url", "lookback_days": "api_lookback_days",
        "report_ids": "api_report_ids", "page_size": "api_page_size", "max_list_walks": "api_max_list_walks",
    }
    enabled: bool | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    lookback_days: float | None = None
    report_ids: list[str] | None = None
    page_size: int | None = None
    max_list_walks: int | None = None


class SourcesTable(FileTable):
    folder: FolderTable = FolderTable()
    crs: CrsTable = CrsTable()
    congress_api: CongressApiTable = CongressApiTable()


class DownloadsTable(FileTable):
    min_interval_seconds: float | None = None
    timeout_seconds: float | None = None
    retry_delay_seconds: list[float] | None = None
    max_bytes: int | None = None


class ScheduleTable(FileTable):
    cron: str | None = None


class ConfigFile(FileTable):
    crsdata: CrsdataTable = CrsdataTable()
    sources: SourcesTable = SourcesTable()
    downloads: DownloadsTable = DownloadsTable()
    schedule: ScheduleTable = ScheduleTable()


EXPECTED_TYPES = {"int_type": "int", "bool_type": "bool", "float_type": "a number", "string_type": "a string",
                  "list_type": "a list", "model_type": "a table", "dict_type": "a table"}


def validation_error_to_reason(error: ValidationError) -> str:
    """pydantic's first complaint as one line in the file's own words ([table] key: reason)."""
    first = error.errors()[0]
    location = [str(part) for part in first["loc"] if not isinstance(part, int)]
    table, key = ".".join(location[:-1]), location[-1]
    if first["type"] == "extra_forbidden":
        if table == "sources":
            return f"[sources.{key}]: unknown source (known: folder, crs, congress_api)"
        if not table:
            return f"unknown table [{key}] (known: {', '.join(ConfigFile.model_fields)})"
        model = ConfigFile
        for part in table.split("."):
            model = model.model_fields[part].annotation
        return f"[{table}] {key}: unknown setting (known: {', '.join(model.model_fields)})"
    expected = EXPECTED_TYPES.get(first["type"])
    reason = f"expected {expected}, got {first['input']!r}" if expected else first["msg"]
    return f"{f'[{table}] ' if table else ''}{key}: {reason}"


def file_to_kwargs(parsed: ConfigFile, base: Path) -> dict:
    """PollConfig keyword arguments for what the file sets; relative paths against the file's folder."""
    kwargs: dict = {}
    tables = (parsed.crsdata, parsed.sources.folder, parsed.sources.crs, parsed.sources.congress_api,
              parsed.downloads, parsed.schedule)
    for table in tables:
        for key, value in table.model_dump(exclude_none=True).items():
            kwargs[table.renamed.get(key, key)] = tuple(value) if isinstance(value, list) else value
    if "data_dir" in kwargs and not is_store_url(kwargs["data_dir"]):
        kwargs["data_dir"] = base / kwargs["data_dir"]
    if "inboxes" in kwargs:
        kwargs["inboxes"] = tuple(base / p for p in kwargs["inboxes"])
    return kwargs


def load_config(path: Path | None) -> PollConfig:
    """The file's settings (or the defaults when there is no file)."""
    if path is None:
        return PollConfig()
    path = Path(path)
    subject = str(path)
    if not path.is_file():
        raise ConfigError(subject, "no such configuration file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(subject, f"not valid TOML ({exc})") from None
    try:
        parsed = ConfigFile.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(subject, validation_error_to_reason(exc)) from None
    kwargs = file_to_kwargs(parsed, path.resolve().parent)
    try:
        return PollConfig(**kwargs, source_file=path.resolve())
    except (TypeError, ValueError) as exc:
        raise ConfigError(subject, str(exc)) from None
