"""A solved itinerary, its TravelPlanner plan format (list of day dicts) and a readable table."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.travel.database import Accommodation, Attraction, Drive, Flight, Restaurant


@dataclass(frozen=True)
class Leg:
    mode: str  # "flight" | "self-driving" | "taxi"
    origin: str
    dest: str
    cost: int
    flight: Flight | None = None
    drive: Drive | None = None
    depart: int | None = None  # minutes after midnight
    arrive: int | None = None

    def short(self) -> str:
        """A compact description for tables."""
        if self.flight is not None:
            f = self.flight
            return f"Flight {f.number} {self.origin}->{self.dest} {f.dep_time}-{f.arr_time}"
        word = "Self-driving" if self.mode == "self-driving" else "Taxi"
        return f"{word} {self.origin}->{self.dest} ({self.drive.duration if self.drive else ''})"

    def describe(self) -> str:
        """The benchmark's transportation string."""
        if self.flight is not None:
            f = self.flight
            return (f"Flight Number: {f.number}, from {self.origin} to {self.dest}, "
                    f"Departure Time: {f.dep_time}, Arrival Time: {f.arr_time}")
        d = self.drive
        assert d is not None
        word = "Self-driving" if self.mode == "self-driving" else "Taxi"
        return (f"{word}, from {self.origin} to {self.dest}, duration: {d.duration}, "
                f"distance: {d.distance_text}, cost: {d.cost(self.mode)}")


@dataclass
class DayPlan:
    day: int
    date: str
    city: str  # where the day ends
    leg: Leg | None = None
    breakfast: Restaurant | None = None
    lunch: Restaurant | None = None
    dinner: Restaurant | None = None
    attractions: list[Attraction] = field(default_factory=list)
    accommodation: Accommodation | None = None

    @property
    def current_city(self) -> str:
        return f"from {self.leg.origin} to {self.leg.dest}" if self.leg else self.city


@dataclass
class Itinerary:
    days: list[DayPlan]
    total_cost: int
    optimal: bool = False

    def to_benchmark(self) -> list[dict]:
        """The TravelPlanner plan format."""
        def venue(x: Restaurant | Accommodation | None) -> str:
            return f"{x.name}, {x.city}" if x is not None else "-"

        out = []
        for d in self.days:
            out.append({
                "days": d.day,
                "current_city": d.current_city,
                "transportation": d.leg.describe() if d.leg else "-",
                "breakfast": venue(d.breakfast),
                "attraction": "".join(f"{a.name}, {a.city};" for a in d.attractions) or "-",
                "lunch": venue(d.lunch),
                "dinner": venue(d.dinner),
                "accommodation": venue(d.accommodation),
            })
        return out

    def table(self, title: str = "Itinerary"):
        """A rich table of the plan."""
        from rich.table import Table

        t = Table(title=f"{title} — total ${self.total_cost:,}", show_lines=True)
        for col in ("Day", "City", "Transportation", "Breakfast", "Attractions", "Lunch", "Dinner", "Accommodation"):
            t.add_column(col, overflow="fold")
        for d, row in zip(self.days, self.to_benchmark(), strict=True):
            t.add_row(f"{d.day}\n{d.date}", row["current_city"], d.leg.short() if d.leg else "-", row["breakfast"],
                      row["attraction"].replace(";", "\n").strip(), row["lunch"], row["dinner"], row["accommodation"])
        return t
