"""一件事一次办: one merged materials list, one combined form and one promised time for a bundle of items.

A material several items need appears once, with the largest originals and copies counts any of them asks
for, required if any item requires it, and the items that use it.  Materials are the same when their names
are the same after normalising width and spaces (the catalogue's own wording is the key, so "居民身份证"
and "申请人居民身份证" stay apart: a lint or an editor decides whether they are one thing).
The combined form has every field of the items' forms once, in first-seen order.  The promised time is the
longest item's in a `parallel` bundle (并联办理), the sum in a `serial` one.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from queue_server.guides.model import Bundle, Catalogue, Guide, material_to_dict


@dataclass
class MergedMaterial:
    """One line of a bundle's merged materials list."""

    name: str
    issuer: str
    originals: int | None
    copies: int | None
    required: bool
    format: str
    used_by: list[str]

    def as_dict(self) -> dict[str, Any]:
        """The merged material as a JSON object."""
        return {"name": self.name, "issuer": self.issuer, "originals": self.originals, "copies": self.copies,
                "required": self.required, "format": self.format, "used_by": list(self.used_by)}


@dataclass
class MergedBundle:
    """A bundle with its items resolved: merged materials, combined form fields, total time limits."""

    bundle: Bundle
    guides: list[Guide]
    materials: list[MergedMaterial]
    form_fields: list[str]
    promised_days: int | None
    legal_days: int | None

    def as_dict(self) -> dict[str, Any]:
        """The merged bundle as the JSON object of `GET /api/guides/bundles/{code}`."""
        return {
            "code": self.bundle.code, "name": self.bundle.name, "mode": self.bundle.mode,
            "description": self.bundle.description,
            "items": [{"code": g.code, "name": g.name, "service": g.service,
                       "promised_days": g.promised_days} for g in self.guides],
            "materials": [m.as_dict() for m in self.materials],
            "form_fields": self.form_fields, "promised_days": self.promised_days,
            "legal_days": self.legal_days,
        }


def material_key(name: str) -> str:
    """The identity of a material across items: its name without width or spacing differences."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def _larger(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def total_days(values: list[int | None], mode: str) -> int | None:
    """Total time limit of a bundle: max for parallel, sum for serial; None if any item has none."""
    if not values or any(v is None for v in values):
        return None
    known = [v for v in values if v is not None]
    return max(known) if mode == "parallel" else sum(known)


def merge_bundle(bundle: Bundle, catalogue: Catalogue) -> MergedBundle:
    """Resolve a bundle against the catalogue (its item codes must exist there)."""
    guides = [catalogue.guides[code] for code in bundle.items]
    merged: dict[str, MergedMaterial] = {}
    for g in guides:
        for m in g.materials:
            key = material_key(m.name)
            seen = merged.get(key)
            if seen is None:
                d = material_to_dict(m)
                merged[key] = MergedMaterial(d["name"], d["issuer"], d["originals"], d["copies"], d["required"],
                                             d["format"], [g.code])
                continue
            seen.originals = _larger(seen.originals, m.originals)
            seen.copies = _larger(seen.copies, m.copies)
            seen.required = seen.required or m.required
            seen.issuer = seen.issuer or m.issuer
            if seen.format != m.format:
                seen.format = "纸质" if "纸质" in (seen.format, m.format) else seen.format
            if g.code not in seen.used_by:
                seen.used_by.append(g.code)
    fields: list[str] = []
    seen_fields: set[str] = set()
    for g in guides:
        for form in g.forms:
            for f in form.fields:
                key = material_key(f)
                if key not in seen_fields:
                    seen_fields.add(key)
                    fields.append(f)
    return MergedBundle(bundle, guides, list(merged.values()), fields,
                        total_days([g.promised_days for g in guides], bundle.mode),
                        total_days([g.legal_days for g in guides], bundle.mode))
