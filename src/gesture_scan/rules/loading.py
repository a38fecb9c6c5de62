"""Reading profiles: the shipped ones by name, a user's YAML file by path.

The YAML reader refuses what would otherwise pass unseen (a key given twice, an impossible date)
or hang (absurd nesting, a FIFO, a huge file), and names the file in every error.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Union

import yaml

from ..errors import ConfigError
from .profile import Profile
from .schema import parse_profile

#: A profile is a few kilobytes; anything far larger is not one.
MAX_PROFILE_BYTES = 256 * 1024
#: A profile nests ``[``/``{`` four deep at most. PyYAML's time grows with the square of the depth,
#: so a file of deeply nested brackets would take tens of seconds before failing anyway.
MAX_FLOW_DEPTH = 32


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with changes that keep mistakes from passing unseen or as a bare
    traceback: an impossible date (``2024-02-30``) stays text, for the schema to name its field
    (PyYAML raises ``ValueError``); a key given twice in one mapping is an error (PyYAML keeps
    the last, so a second ``rules:`` block would silently replace the first); and brackets nested
    absurdly deep fail at once rather than after a long parse."""

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if self.flow_level >= MAX_FLOW_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested more than {MAX_FLOW_DEPTH} levels deep", self.get_mark()
            )
        super().fetch_flow_collection_start(TokenClass)

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except (ValueError, AttributeError):
            return self.construct_scalar(node)  # type: ignore[arg-type]

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # ``<<: *base``: keys given here override the merged ones on purpose
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:
                    continue  # unhashable: PyYAML's own check reports it
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's message without its ``in "<unicode string>"`` lines: the file is named already."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        what = "; ".join(t for t in (exc.context, exc.problem) if t)
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}"
    return str(exc)


def _shipped() -> dict[str, Any]:
    return {
        p.name[: -len(".yaml")]: p
        for p in resources.files("gesture_scan.profiles").iterdir()
        if p.name.endswith(".yaml")
    }


def profile_text(name: str) -> str:
    """The YAML of a shipped profile, to copy and fill (``gesture-scan profiles --export``)."""
    shipped = _shipped()
    if name not in shipped:
        raise ConfigError(
            "--export", f"{name!r} is not a shipped profile ({', '.join(sorted(shipped))})"
        )
    return str(shipped[name].read_text(encoding="utf-8"))


def list_profiles() -> list[Profile]:
    """The profiles that ship with gesture-scan."""
    return [load_profile(name) for name in sorted(_shipped())]


def _read_file(path: Path) -> str:
    """The profile's text; anything but a readable UTF-8 file of sane size is the user's mistake."""
    if path.is_dir():
        raise ConfigError("--profile", "is a folder, not a profile file", path)
    if not path.is_file():  # a FIFO or a device would block or never end
        raise ConfigError("--profile", "is not a regular file", path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError("--profile", f"cannot read ({exc.strerror or exc})", path) from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ConfigError(
            "--profile", f"is larger than {MAX_PROFILE_BYTES // 1024} KiB; not a profile", path
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "--profile",
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8",
            path,
        ) from None


def load_profile(name_or_path: Union[str, Path]) -> Profile:
    """A shipped profile by name (``pilpres-2024``) or a YAML file by path."""
    shipped = _shipped()
    key = str(name_or_path)
    if key in shipped:
        text, source = shipped[key].read_text(encoding="utf-8"), f"profile {key}"
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise ConfigError(
                "--profile",
                f"{key!r} is neither a shipped profile ({', '.join(sorted(shipped))}) nor a file",
            )
        text, source = _read_file(path), str(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise ConfigError("profile", f"not valid YAML: {_yaml_problem(exc)}", source) from None
    except RecursionError:
        raise ConfigError("profile", "not valid YAML: nested too deeply", source) from None
    except Exception as exc:  # PyYAML's constructors leak bare ValueError & co. on tagged scalars
        raise ConfigError("profile", f"not valid YAML: {exc}", source) from None
    return parse_profile(data, source)
