"""The layout README promises: each stage in its folder, small modules, no import cycle."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("extractors", "flows", "schemas")
MAX_MODULE_LINES = 450


def package_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def module_level_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """What a module imports when it is imported (imports inside functions are deliberate lazy ones)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}


def test_no_module_is_over_the_size_limit():
    long = {name: n for name, path in package_modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_import_cycle():
    modules = package_modules()
    graph = {name: module_level_imports(path, modules) - {name} for name, path in modules.items()}
    cycles, state = [], {}

    def visit(name: str, stack: list[str]) -> None:
        state[name] = "open"
        stack.append(name)
        for dep in sorted(graph[name]):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_every_file_the_readme_layout_names_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it works", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) >= 10
    missing, checked = [], 0
    for row in rows:
        folders = re.findall(r"^\| `([\w/]+)/`", row)
        if not folders or folders[0] in ("raw", "processed"):
            continue
        folder = ROOT / folders[0]
        for name in re.findall(r"`([\w]+\.py)`", row):
            checked += 1
            if not (folder / name).is_file():
                missing.append(f"{folders[0]}/{name}")
    assert checked >= 40 and missing == []
