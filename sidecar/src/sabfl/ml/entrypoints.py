"""Code a task names by entry point — a model factory or a data loader — loaded only from distributions
the operator trusts.

A task is code anyone may create, so the name of a module never goes to an import on its own word: an
entry point is `package.module:function` *declared* (pyproject `[project.entry-points."<group>"]`) by a
distribution the operator listed (`AllowedPackage`: its name with a version, or a sha256 of its installed
files) and installed at the version the task names. sabfl's own distribution is always trusted: its
built-in models and loaders are entry points of the same kind.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

SABFL_DISTRIBUTION = "sabfl"
# The files of a distribution's .dist-info that its files hash covers (what it is and what it declares).
HASHED_METADATA = ("METADATA", "entry_points.txt")
INSTALL_HINT = (
    "install it with the project's pins: `.venv/bin/pip install {requirement} -e 'sidecar[dev,flower]'` "
    "then `.venv/bin/pip check`"
)


class EntryPointError(ValueError):
    """Code a task names cannot be used here; the message says what the operator or task creator can do."""


class NotAllowed(EntryPointError):
    """The distribution is not on the operator's list (or is installed in another version or build)."""


class PackageMissing(EntryPointError):
    """The distribution is not installed, or not at the version the task names."""


class UnknownEntryPoint(EntryPointError):
    """The distribution declares no such entry point, or it does not load."""


def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name: `Sabfl_Tabular.Example` → `sabfl-tabular-example`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class AllowedPackage:
    """One distribution an operator trusts, pinned by `version` or by `sha256` of its installed files
    (`installed_files_sha256`)."""

    name: str
    version: str | None = None
    sha256: str | None = None

    def __post_init__(self) -> None:
        if (self.version is None) == (self.sha256 is None):
            raise ValueError(f"allowed package {self.name!r}: give exactly one of version and sha256")
        for value in (self.name, self.version or "", self.sha256 or ""):
            if not isinstance(value, str):
                raise ValueError(
                    f"allowed package {self.name!r}: {value!r} is not a string; quote it in YAML ('1.10')"
                )

    @classmethod
    def from_config(cls, entries: Sequence[Mapping[str, str]]) -> tuple[AllowedPackage, ...]:
        """A config's `packages:` list, e.g. [{name: sabfl-tabular-example, version: 0.1.0}]."""
        return tuple(entry if isinstance(entry, cls) else cls(**entry) for entry in entries)


@dataclass(frozen=True)
class EntryPointRef:
    """`target` (`package.module:function`) declared in `group` by `distribution` at `version`, called
    with `params` (JSON values)."""

    target: str
    distribution: str
    version: str
    params: Mapping[str, Any] = field(default_factory=dict)


def installed_files_sha256(name: str) -> str:
    """sha256 over the sorted (path, content sha256) of the installed distribution's files its RECORD
    lists — its code and data, its METADATA and entry_points.txt; not what an install derives or records
    about itself (.pyc, INSTALLER, direct_url.json, RECORD): what an operator pins with `{name: ...,
    sha256: ...}` instead of a version. An editable install lists no source files: pin it by version."""
    dist = _distribution(name, None)
    digest = hashlib.sha256()
    for path in sorted(dist.files or [], key=str):
        in_metadata = any(part.endswith(".dist-info") for part in path.parts)
        if path.suffix == ".pyc" or (in_metadata and path.name not in HASHED_METADATA):
            continue
        located = path.locate()
        content = located.read_bytes() if located.is_file() else b""
        digest.update(f"{path}\0{hashlib.sha256(content).hexdigest()}\n".encode())
    return digest.hexdigest()


def verify_package(pin: AllowedPackage) -> metadata.Distribution:
    """The installed distribution `pin` names, if it is the version or build the operator trusts; else
    PackageMissing (not installed) or NotAllowed (another version, or files that hash otherwise)."""
    dist = _distribution(pin.name, pin.version)
    if pin.version is not None and pin.version != dist.version:
        raise NotAllowed(
            f"the config trusts {pin.name}=={pin.version}, not the installed {dist.version}: "
            "list the version you reviewed or install it"
        )
    if pin.sha256 is not None and pin.sha256 != installed_files_sha256(pin.name):
        raise NotAllowed(
            f"the installed files of {pin.name} do not hash to the sha256 its config lists: "
            "reinstall the build you reviewed, or list the new hash (`sabfl packages`)"
        )
    return dist


def load_entry_point(group: str, ref: EntryPointRef, allowed: Sequence[AllowedPackage]) -> Callable[..., Any]:
    """The callable `ref` names, imported only after every check: the distribution is sabfl or on
    `allowed`, installed at `ref.version` (and at the allowed version or files hash), and declares
    `ref.target` under `group`. Raises NotAllowed, PackageMissing or UnknownEntryPoint."""
    name = canonical_name(ref.distribution)
    trusted = [a for a in allowed if canonical_name(a.name) == name]
    if name != SABFL_DISTRIBUTION and not trusted:
        raise NotAllowed(
            f"distribution {ref.distribution} is not among this sidecar's trusted packages: an operator "
            f"who trusts it adds `{{name: {ref.distribution}, version: {ref.version}}}` to `packages` in "
            "its config"
        )
    dist = _distribution(ref.distribution, ref.version)
    if dist.version != ref.version:
        raise PackageMissing(
            f"the task needs {ref.distribution}=={ref.version}, this sidecar has {dist.version}: "
            + INSTALL_HINT.format(requirement=f"'{ref.distribution}=={ref.version}'")
        )
    for pin in trusted:
        verify_package(pin)
    declared = [ep for ep in dist.entry_points if ep.group == group]
    matches = [ep for ep in declared if ep.value == ref.target]
    if not matches:
        offered = sorted(ep.value for ep in declared) or ["none"]
        raise UnknownEntryPoint(
            f"{ref.distribution} {dist.version} declares no {group} entry point {ref.target!r} (it declares "
            f"{', '.join(offered)}): fix the task's entry_point, or declare it in the package's pyproject "
            f'under [project.entry-points."{group}"] and reinstall'
        )
    try:
        loaded = matches[0].load()
    except (ImportError, AttributeError) as error:
        raise UnknownEntryPoint(f"{ref.target} from {ref.distribution} does not load: {error}") from None
    if not callable(loaded):
        raise UnknownEntryPoint(f"{ref.target} from {ref.distribution} is not callable")
    return loaded


def builtin_ref(group: str, name: str, params: Mapping[str, Any] | None = None) -> EntryPointRef:
    """The reference of sabfl's own entry point `name` in `group` (a built-in's short alias), at the
    installed sabfl version. Raises UnknownEntryPoint when sabfl declares none of that name."""
    dist = _distribution(SABFL_DISTRIBUTION, None)
    declared = {ep.name: ep.value for ep in dist.entry_points if ep.group == group}
    if not declared:
        raise UnknownEntryPoint(
            f"the installed sabfl declares no {group} entry points (installed before they existed): "
            "reinstall it, `make install` or `.venv/bin/pip install --no-deps -e sidecar`"
        )
    if name not in declared:
        raise UnknownEntryPoint(
            f"no built-in {group} named {name!r}: use one of {sorted(declared)} or an entry point "
            "{entry_point, distribution, version}"
        )
    return EntryPointRef(declared[name], SABFL_DISTRIBUTION, dist.version, dict(params or {}))


def builtin_names(group: str) -> tuple[str, ...]:
    """The short aliases of sabfl's own entry points in `group`."""
    dist = _distribution(SABFL_DISTRIBUTION, None)
    return tuple(sorted(ep.name for ep in dist.entry_points if ep.group == group))


def _distribution(name: str, version: str | None) -> metadata.Distribution:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        requirement = f"'{name}=={version}'" if version else name
        raise PackageMissing(
            f"distribution {name} is not installed: " + INSTALL_HINT.format(requirement=requirement)
        ) from None
