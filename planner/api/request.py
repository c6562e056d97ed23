"""The structured form of a user's request: goal types and the typed values the user gave."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from planner.api.catalog import Catalog, CatalogError


class ProvidedValue(BaseModel):
    """A value the request states, with the catalog type it fills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    value: str


class ApiRequest(BaseModel):
    """What a translator (built-in extractor or LLM) reads out of a request text."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    goals: list[str] = Field(default_factory=list)
    values: list[ProvidedValue] = Field(default_factory=list)

    def known_types(self) -> list[str]:
        return [v.type for v in self.values]

    def value_of(self, type_name: str) -> str | None:
        for v in self.values:
            if v.type == type_name:
                return v.value
        return None

    def check_against(self, catalog: Catalog) -> None:
        """Raise CatalogError when a goal or value names a type the catalog lacks."""
        for g in self.goals:
            if g not in catalog.type_by_name:
                raise CatalogError(f"goal {g!r} is not a type of catalog {catalog.name!r}")
        for v in self.values:
            if v.type not in catalog.type_by_name:
                raise CatalogError(f"value type {v.type!r} is not a type of catalog {catalog.name!r}")
