"""Profiles: named starting prescriptions (TOML files in ``profiles/``), merged with overrides.

A profile file holds ``description`` (its clinical intent), optionally ``extends = "NAME"``,
and any prescription sections. Layers merge in order: the extended profile, the profile, then
``--set section.field=value`` overrides. ``arch.height_mm`` and ``arch.fill_frac`` are
alternatives: a layer that sets one clears the other from the layers below it.
"""
from __future__ import annotations

import copy
import hashlib
import os
import tomllib
from pathlib import Path

from insolegen.device.prescription import Prescription, build_prescription
from insolegen.errors import InvalidInput
from insolegen.limits import check_file_size

PROFILE_META_KEYS = ("description", "extends")
DEFAULT_PROFILE = "neutral"
_ALTERNATIVES = {("arch", "height_mm"): ("arch", "fill_frac"), ("arch", "fill_frac"): ("arch", "height_mm")}


def profiles_dir() -> Path:
    """``$INSOLEGEN_PROFILES`` or the profiles shipped in the package (``insolegen/device/profiles``)."""
    env = os.environ.get("INSOLEGEN_PROFILES")
    return Path(env) if env else Path(__file__).resolve().parent / "profiles"


def list_profiles(directory: Path | None = None) -> dict[str, str]:
    """Profile name -> description."""
    directory = directory or profiles_dir()
    return {p.stem: read_toml(p).get("description", "") for p in sorted(directory.glob("*.toml"))}


def read_toml(path: Path) -> dict:
    """A profile or prescription file's tables; every way it can fail is an InvalidInput naming it."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    check_file_size(path, "PROFILE_KB")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InvalidInput(f"{path}: nested too deeply to be a prescription") from None
    except ValueError as exc:        # e.g. an integer of thousands of digits
        raise InvalidInput(f"{path}: not a usable TOML value: {exc}") from None


def find_profile(name_or_path: str, directory: Path | None = None) -> Path:
    directory = directory or profiles_dir()
    if not name_or_path.strip():
        raise InvalidInput("--profile is empty: give a profile's name (see `insolegen profiles`) or a .toml file")
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or os.sep in name_or_path:
        if not candidate.is_file():
            raise InvalidInput(f"profile file {name_or_path} does not exist")
        return candidate
    path = directory / f"{name_or_path}.toml"
    if not path.is_file():
        names = ", ".join(list_profiles(directory)) or "(none found)"
        raise InvalidInput(f"unknown profile {name_or_path!r}; available: {names}")
    return path


def profile_layers(name_or_path: str, directory: Path | None = None) -> list[tuple[Path, dict]]:
    """The profile and the profiles it extends, base first."""
    chain: list[tuple[Path, dict]] = []
    seen: set[Path] = set()
    current: str | None = name_or_path
    while current is not None:
        path = find_profile(current, directory).resolve()
        if path in seen:
            raise InvalidInput(f"profile {path.stem!r} extends itself through {', '.join(p.stem for p in seen)}")
        seen.add(path)
        doc = read_toml(path)
        current = doc.get("extends")
        if current is not None and (not isinstance(current, str) or not current.strip()):
            raise InvalidInput(f"{path}: extends = {current!r} must be the name of a profile, for example \"neutral\"")
        description = doc.get("description", "")
        if not isinstance(description, str):
            raise InvalidInput(f"{path}: description = {description!r} must be text")
        chain.append((path, doc))
    return chain[::-1]


def merge(base: dict, layer: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in layer.items():
        if key in PROFILE_META_KEYS:
            continue
        if not isinstance(value, dict):
            out[key] = value
            continue
        section = out.setdefault(key, {})
        if not isinstance(section, dict):
            raise InvalidInput(f"{key} must be a section (a table of fields)")
        for field, v in value.items():
            other = _ALTERNATIVES.get((key, field))
            if other and other[1] not in value:  # both in one layer: left for validation to refuse
                # height_mm has a default, so clearing it means setting it to None
                section[other[1]] = None
            section[field] = v
    return out


def parse_override(text: str) -> dict:
    """``section.field=value`` -> {section: {field: value}}; the value is read as TOML
    (numbers, true/false, "strings"), bare words as strings."""
    if "=" not in text:
        raise InvalidInput(f"--set {text!r}: expected FIELD=VALUE, for example arch.height_mm=24")
    key, raw = (part.strip() for part in text.split("=", 1))
    parts = key.split(".")
    if len(parts) != 2 or not all(parts):
        raise InvalidInput(f"--set {text!r}: the field must be section.field, for example heel_cup.depth_mm")
    if parts[0] in PROFILE_META_KEYS:
        raise InvalidInput(f"--set {text!r}: {parts[0]} belongs to a profile file, not to the prescription's sections")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return {parts[0]: {parts[1]: value}}


def resolve_prescription(
    profile: str | None, overrides: list[str], case_layer: dict | None = None, directory: Path | None = None,
) -> tuple[Prescription, dict]:
    """Profile (default ``neutral``) + optional case layer + overrides -> a validated Prescription
    and the provenance (profile files and their hashes, overrides) for the design record."""
    layers = profile_layers(DEFAULT_PROFILE if profile is None else profile, directory)
    data: dict = {}
    for _, doc in layers:
        data = merge(data, doc)
    if case_layer:
        data = merge(data, case_layer)
    for text in overrides:
        data = merge(data, parse_override(text))
    source = f"profile {layers[-1][0].stem}" + (" with overrides" if overrides else "")
    prescription = build_prescription(data, source)
    provenance = {
        "profile": layers[-1][0].stem,
        "profile_files": [{"name": p.stem, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p, _ in layers],
        "overrides": list(overrides),
    }
    return prescription, provenance


def load_prescription(profile: str | None = None, overrides: list[str] | None = None, **kwargs) -> Prescription:
    """A profile (a name from ``list_profiles()`` or a TOML file; default ``neutral``) plus
    ``section.field=value`` overrides, validated. Raises InvalidInput naming the field, value and range.

    >>> from insolegen import load_prescription
    >>> rx = load_prescription("pronation-moderate", ["arch.height_mm=22"])
    >>> rx.arch.height_mm, rx.rearfoot_post.angle_deg
    (22.0, 4.0)
    >>> load_prescription("neutral", ["heel_cup.depht_mm=12"])
    Traceback (most recent call last):
    insolegen.errors.InvalidInput: ...heel_cup.depht_mm...
    """
    return resolve_prescription(profile, overrides or [], **kwargs)[0]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def prescription_toml(prescription: Prescription, description: str = "") -> str:
    """The whole prescription as a profile file (TOML) to save, edit and pass to ``--profile``.
    Fields that are not set are written as comments (TOML has no null)."""
    lines = [f"description = {_toml_value(description)}"] if description else []
    sections = {}
    for key, value in prescription.model_dump().items():
        if isinstance(value, dict):
            sections[key] = value
        elif value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for section, values in sections.items():
        lines += ["", f"[{section}]"]
        for key, value in values.items():
            lines.append(f"# {key}: not set" if value is None else f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
