"""The interface every extra constraint type implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import z3

    from planner.travel.database import Accommodation, Attraction, Restaurant, World
    from planner.travel.encoding_view import EncodingView
    from planner.travel.spec import TripSpec


class ConstraintType:
    """Defaults: no text pattern, no candidate filter, no relaxation, no contradiction."""

    type: str = ""
    doc: str = ""  # one line for the LLM prompt: what the value is

    def validate_value(self, value: Any) -> Any:
        return value

    def parse(self, text: str) -> Any | None:
        """The value stated in a request, or None."""
        return None

    def words(self, value: Any) -> str:
        return f"{self.type.replace('_', ' ')}: {value}"

    def route_ok(self, value: Any, route: tuple[str, ...]) -> bool:
        """Whether an ordered route of destination cities can satisfy the constraint (a cheap
        pre-filter for the route search; the encoding still asserts the constraint)."""
        return True

    def keep_restaurant(self, value: Any, r: Restaurant) -> bool:
        return True

    def keep_accommodation(self, value: Any, a: Accommodation) -> bool:
        return True

    def attraction_first(self, value: Any, a: Attraction) -> bool:
        """Whether a city's attraction should come before the others in its candidate pool."""
        return False

    def encode(self, enc: EncodingView, value: Any) -> list[z3.BoolRef]:
        """Assertions (all filed under this constraint's label)."""
        return []

    def order_attractions(self, value: Any, enc: EncodingView, model: Any, city: int,
                          pool: list) -> list:
        """Reorder a city's attraction pool before slots take from its front."""
        return pool

    def explain(self, value: Any, spec: TripSpec, world: World, cities: list[str]) -> str:
        return f"no plan satisfies {self.words(value)}"

    def relaxations(self, value: Any) -> list[tuple[str, Any | None]]:
        """Weaker versions: (description, new value); None drops the constraint."""
        return []

    def conflict(self, value: Any, spec: TripSpec) -> str | None:
        """Why the request contradicts itself, or None."""
        return None
