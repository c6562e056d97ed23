"""What a constraint plug-in may read of the z3 encoding (the encoding satisfies this protocol).

Plug-ins under ``planner/travel/extra`` depend on this interface only; the encoding finds the
plug-ins through the registry, so neither imports the other's module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import z3

    from planner.travel.database import Accommodation, Attraction, Restaurant
    from planner.travel.spec import TripSpec


class CityVenues(Protocol):
    """The candidate venues of one city."""

    name: str
    restaurants: list[Restaurant]
    accommodations: list[Accommodation]
    attractions: list[Attraction]


class EncodingView(Protocol):
    """The encoding's variables and candidate data, as plug-ins see them."""

    spec: TripSpec
    city_names: list[str]  # candidate destination cities, then the origin last
    data: list[CityVenues]  # per entry of city_names
    city: list[z3.ArithRef]  # index into city_names of each visited city, in order
    dep: list[z3.ArithRef]  # departure minute of each leg
    arr: list[z3.ArithRef]  # arrival minute of each leg
    leg_options: list[list[tuple[z3.BoolRef, int, Any]]]  # per leg: (chosen?, mode, flight or drive)
    acc: list[z3.ArithRef]  # index into acc_list of each stay's accommodation
    acc_list: list[tuple[int, Accommodation]]
    use: list[list[z3.BoolRef]]  # per city: whether each candidate restaurant is used
    att_count: list[z3.ArithRef]  # per city: attraction slots taken there
    plugin_state: dict[str, Any]  # a plug-in's own variables, by constraint type
