"""The TravelPlanner world: typed records and two sources of them.

`TravelDatabase` reads the bundled database tables (two-stage mode and the evaluator);
`ReferenceWorld` reads one query's reference information (sole-planning mode). Both answer
the same questions through the `World` protocol.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from common.paths import data_dir
from planner.travel.spec import SpecError


@dataclass(frozen=True)
class Restaurant:
    name: str
    city: str
    cost: int
    cuisines: tuple[str, ...]
    rating: float


@dataclass(frozen=True)
class Accommodation:
    name: str
    city: str
    price: int
    room_type: str
    house_rules: str
    min_nights: int
    max_occupancy: int
    rating: float

    def nightly_cost(self, people: int) -> int:
        """Price per night for `people` travellers (rooms = ceil(people / occupancy))."""
        return self.price * math.ceil(people / self.max_occupancy)


@dataclass(frozen=True)
class Attraction:
    name: str
    city: str


@dataclass(frozen=True, slots=True)
class Flight:
    number: str
    price: int
    dep_time: str
    arr_time: str
    elapsed: str
    date: str
    origin: str
    dest: str
    distance: float

    @property
    def dep_minutes(self) -> int:
        return clock_minutes(self.dep_time)

    @property
    def arr_minutes(self) -> int:
        return clock_minutes(self.arr_time)

    @property
    def duration_minutes(self) -> int:
        return duration_minutes(self.elapsed) or 0


@dataclass(frozen=True)
class Drive:
    """A distance-matrix entry; costs follow the benchmark (self-driving km*0.05, taxi km)."""

    origin: str
    dest: str
    duration: str
    distance_text: str
    km: float

    @property
    def self_driving_cost(self) -> int:
        return int(self.km * 0.05)

    @property
    def taxi_cost(self) -> int:
        return int(self.km)

    @property
    def minutes(self) -> int:
        return duration_minutes(self.duration) or 0

    def cost(self, mode: str) -> int:
        return self.self_driving_cost if mode == "self-driving" else self.taxi_cost


def clock_minutes(hhmm: str) -> int:
    h, m = hhmm.strip().split(":")[:2]
    return int(h) * 60 + int(m)


def duration_minutes(text: str) -> int | None:
    """'2 hours 13 minutes' / '10 hours 55 mins' -> minutes; None when unparseable."""
    nums = dict((unit[0], int(n)) for n, unit in re.findall(r"(\d+)\s*(day|hour|min)", text))
    if not nums:
        return None
    return nums.get("d", 0) * 1440 + nums.get("h", 0) * 60 + nums.get("m", 0)


def parse_km(text: str) -> float | None:
    try:
        return float(str(text).lower().replace("km", "").replace(",", "").strip())
    except ValueError:
        return None


def _num(s: str, default: float = 0.0) -> float:
    try:
        return float(s)
    except (TypeError, ValueError):
        return default


def _int_price(x: float) -> int:
    return int(round(float(x)))


def _cuisines(s: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in str(s).split(",") if c.strip())


def make_drive(origin: str, dest: str, duration: str, distance: str) -> Drive | None:
    """A usable drive, or None when the entry lacks a distance or spans days (no valid route)."""
    if is_missing(duration) or is_missing(distance) or "day" in duration:
        return None
    km = parse_km(distance)
    if km is None:
        return None
    return Drive(origin, dest, duration, distance, km)


class World(Protocol):
    """What the planner may know about cities, venues and transport."""

    def cities_in_state(self, state: str) -> list[str]: ...
    def restaurants(self, city: str) -> list[Restaurant]: ...
    def accommodations(self, city: str) -> list[Accommodation]: ...
    def attractions(self, city: str) -> list[Attraction]: ...
    def flights(self, origin: str, dest: str, date: str) -> list[Flight]: ...
    def drive(self, origin: str, dest: str) -> Drive | None: ...


@dataclass
class Background:
    """City and state lists of the benchmark."""

    city_state: dict[str, str]
    states: list[str]

    def cities_of_state(self, state: str) -> list[str]:
        return [c for c, s in self.city_state.items() if s == state]


def travel_data_dir() -> Path:
    return data_dir() / "travelplanner"


@functools.lru_cache(maxsize=2)
def load_background(root: Path | None = None) -> Background:
    base = (root or travel_data_dir()) / "database" / "background"
    city_state: dict[str, str] = {}
    for line in (base / "citySet_with_states.txt").read_text().splitlines():
        if "\t" in line:
            c, s = line.split("\t", 1)
            city_state[c.strip()] = s.strip()
    states = [s.strip() for s in (base / "stateSet.txt").read_text().splitlines() if s.strip()]
    return Background(city_state, states)


@dataclass
class TravelDatabase:
    """The full database tables, indexed by city (and by leg for flights and drives)."""

    background: Background
    restaurants_by_city: dict[str, list[Restaurant]] = field(default_factory=dict)
    accommodations_by_city: dict[str, list[Accommodation]] = field(default_factory=dict)
    attractions_by_city: dict[str, list[Attraction]] = field(default_factory=dict)
    flights_by_leg: dict[tuple[str, str, str], list[Flight]] = field(default_factory=dict)
    flights_by_number: dict[str, list[Flight]] = field(default_factory=dict)
    drives: dict[tuple[str, str], Drive | None] = field(default_factory=dict)

    # --- World protocol -------------------------------------------------------------
    def cities_in_state(self, state: str) -> list[str]:
        return [c for c in self.background.cities_of_state(state)
                if c in self.accommodations_by_city or c in self.restaurants_by_city]

    def restaurants(self, city: str) -> list[Restaurant]:
        return self.restaurants_by_city.get(city, [])

    def accommodations(self, city: str) -> list[Accommodation]:
        return self.accommodations_by_city.get(city, [])

    def attractions(self, city: str) -> list[Attraction]:
        return self.attractions_by_city.get(city, [])

    def flights(self, origin: str, dest: str, date: str) -> list[Flight]:
        return self.flights_by_leg.get((origin, dest, date), [])

    def drive(self, origin: str, dest: str) -> Drive | None:
        return self.drives.get((origin, dest))

    # --- lookups by name, as the benchmark's evaluator does them (substring + exact city) --
    def find_restaurant(self, name: str, city: str) -> Restaurant | None:
        return next((r for r in self.restaurants(city) if name in r.name), None)

    def find_accommodation(self, name: str, city: str) -> list[Accommodation]:
        return [a for a in self.accommodations(city) if name in a.name]

    def find_attraction(self, name: str, city: str) -> Attraction | None:
        return next((a for a in self.attractions(city) if name in a.name), None)


# The columns each table loader reads by key (optional ones are read with .get()).
RESTAURANT_COLUMNS = ("Name", "City", "Average Cost", "Cuisines", "Aggregate Rating")
ACCOMMODATION_COLUMNS = ("NAME", "city", "price", "room type", "minimum nights", "maximum occupancy")
ATTRACTION_COLUMNS = ("Name", "City")
FLIGHT_COLUMNS = ("Flight Number", "Price", "DepTime", "ArrTime", "ActualElapsedTime", "FlightDate",
                  "OriginCityName", "DestCityName")
DISTANCE_COLUMNS = ("origin", "destination", "duration", "distance")


# The strings pandas' read_csv reads as missing by default. The benchmark's tools load each
# table with read_csv(...).dropna(), so a row with any such field does not exist for them.
MISSING_VALUES = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})


@dataclass(frozen=True)
class TableLoad:
    """One table as the benchmark's tools see it: the rows kept, and why the others are gone."""

    path: Path
    rows: list[dict[str, str]]
    rows_read: int
    missing_by_column: dict[str, int]  # rows with that field missing (a row may count twice)

    @property
    def rows_dropped(self) -> int:
        return self.rows_read - len(self.rows)


def is_missing(value: str | None) -> bool:
    return value is None or value in MISSING_VALUES


def iter_table(path: Path, required: tuple[str, ...], drop_incomplete: bool = True,
               missing_counts: dict[str, int] | None = None):
    """The rows of a database table one by one (the benchmark's full flights table has millions);
    with `drop_incomplete` (the benchmark's sandbox), only rows without a missing field, counting
    the others by column into `missing_counts`. A missing table or a header without a `required`
    column is a SpecError naming it."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise SpecError(f"travel database table {path} lacks column(s) "
                                f"{', '.join(map(repr, missing))}")
            for r in reader:
                gaps = [c for c in header if is_missing(r.get(c))]
                if missing_counts is not None:
                    for c in gaps:
                        missing_counts[c] = missing_counts.get(c, 0) + 1
                if not gaps or not drop_incomplete:
                    yield r
    except FileNotFoundError:
        raise SpecError(f"travel database table {path} does not exist") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SpecError(f"travel database table {path} cannot be read: {' '.join(str(exc).split())}") from None


def read_table(path: Path, required: tuple[str, ...], drop_incomplete: bool = True) -> TableLoad:
    """A whole table with the counts of what the sandbox drops (see iter_table)."""
    counts: dict[str, int] = {}
    read = 0

    def counted():
        nonlocal read
        for r in iter_table(path, required, False, counts):
            read += 1
            yield r

    kept = [r for r in counted() if not drop_incomplete or not any(is_missing(r[c]) for c in r if c is not None)]
    return TableLoad(path, kept, read, counts)


TABLES = {
    "restaurants": ("restaurants/clean_restaurant_2022.csv", RESTAURANT_COLUMNS),
    "accommodations": ("accommodations/clean_accommodations_2022.csv", ACCOMMODATION_COLUMNS),
    "attractions": ("attractions/attractions.csv", ATTRACTION_COLUMNS),
    "flights": ("flights/clean_Flights_2022.csv", FLIGHT_COLUMNS),
    "distances": ("googleDistanceMatrix/distance.csv", DISTANCE_COLUMNS),
}


def load_table(name: str, root: Path | None = None) -> TableLoad:
    """A table by name as the benchmark's tools load it (the distance matrix keeps every row:
    its tool does not drop incomplete rows)."""
    rel, columns = TABLES[name]
    return read_table((root or travel_data_dir()) / "database" / rel, columns, drop_incomplete=name != "distances")


def table_rows(name: str, root: Path | None = None):
    """The rows of a table as the benchmark's tools see them, one by one."""
    rel, columns = TABLES[name]
    return iter_table((root or travel_data_dir()) / "database" / rel, columns, drop_incomplete=name != "distances")


@functools.lru_cache(maxsize=2)
def load_database(root: Path | None = None) -> TravelDatabase:
    """Read every table once per process, as the benchmark's sandbox holds it (rows with a missing
    field are absent); a missing table or column is a SpecError naming it."""
    db = TravelDatabase(load_background(root))
    rest: dict[str, list[Restaurant]] = defaultdict(list)
    for r in table_rows("restaurants", root):
        rest[r["City"]].append(Restaurant(r["Name"], r["City"], _int_price(_num(r["Average Cost"])),
                                          _cuisines(r["Cuisines"]), _num(r["Aggregate Rating"])))
    db.restaurants_by_city = dict(rest)
    acc: dict[str, list[Accommodation]] = defaultdict(list)
    for r in table_rows("accommodations", root):
        acc[r["city"]].append(accommodation_from_row(r))
    db.accommodations_by_city = dict(acc)
    att: dict[str, list[Attraction]] = defaultdict(list)
    for r in table_rows("attractions", root):
        att[r["City"]].append(Attraction(r["Name"], r["City"]))
    db.attractions_by_city = dict(att)
    legs: dict[tuple[str, str, str], list[Flight]] = defaultdict(list)
    numbers: dict[str, list[Flight]] = defaultdict(list)
    for r in table_rows("flights", root):
        f = flight_from_row(r)
        legs[(f.origin, f.dest, f.date)].append(f)
        numbers[f.number].append(f)
    db.flights_by_leg = dict(legs)
    db.flights_by_number = dict(numbers)
    for r in table_rows("distances", root):
        key = (r["origin"], r["destination"])
        if key not in db.drives:  # the tool reads the first row of a pair, usable or not
            db.drives[key] = make_drive(r["origin"], r["destination"], r["duration"], r["distance"])
    return db


def accommodation_from_row(r: dict) -> Accommodation:
    return Accommodation(
        name=str(r["NAME"]), city=str(r["city"]), price=_int_price(_num(r["price"])),
        room_type=str(r["room type"]), house_rules=str(r.get("house_rules") or ""),
        min_nights=int(_num(r["minimum nights"], 1)), max_occupancy=max(1, int(_num(r["maximum occupancy"], 1))),
        rating=_num(r.get("review rate number")),
    )


def flight_from_row(r: dict) -> Flight:
    return Flight(
        number=str(r["Flight Number"]), price=_int_price(_num(r["Price"])), dep_time=str(r["DepTime"]),
        arr_time=str(r["ArrTime"]), elapsed=str(r["ActualElapsedTime"]), date=str(r["FlightDate"]),
        origin=str(r["OriginCityName"]), dest=str(r["DestCityName"]), distance=_num(r.get("Distance")),
    )


_DRIVE_RE = re.compile(r"^(self-driving|taxi), from (.+?) to (.+?), duration: (.+?), distance: (.+?), cost:", re.I)


class ReferenceWorld(TravelDatabase):
    """One query's reference information (sole-planning mode): nothing beyond it is known."""

    def __init__(self, reference: dict, background: Background | None = None) -> None:
        super().__init__(background or load_background())
        for desc, content in reference.items():
            if desc.startswith("Restaurants in ") and isinstance(content, list):
                for r in content:
                    self.restaurants_by_city.setdefault(r["City"], []).append(
                        Restaurant(str(r["Name"]), r["City"], _int_price(_num(r["Average Cost"])),
                                   _cuisines(r["Cuisines"]), _num(r.get("Aggregate Rating"))))
            elif desc.startswith("Accommodations in ") and isinstance(content, list):
                for r in content:
                    a = accommodation_from_row(r)
                    self.accommodations_by_city.setdefault(a.city, []).append(a)
            elif desc.startswith("Attractions in ") and isinstance(content, list):
                for r in content:
                    self.attractions_by_city.setdefault(r["City"], []).append(Attraction(str(r["Name"]), r["City"]))
            elif desc.startswith("Flight from ") and isinstance(content, list):
                for r in content:
                    f = flight_from_row(r)
                    self.flights_by_leg.setdefault((f.origin, f.dest, f.date), []).append(f)
            elif desc.startswith("Self-driving from ") and isinstance(content, str):
                m = _DRIVE_RE.match(content)
                if m:
                    self.drives[(m.group(2), m.group(3))] = make_drive(m.group(2), m.group(3), m.group(4), m.group(5))


def reference_flight_rows(references: list[dict | None]) -> list[dict]:
    """The flight rows listed in reference information (each is a row of the benchmark's full
    flights table, of which the bundled one is a subset)."""
    return [r for ref in references if ref for desc, content in ref.items()
            if desc.startswith("Flight from ") and isinstance(content, list) for r in content]


def with_flights(db: TravelDatabase, rows: list[dict]) -> TravelDatabase:
    """`db` plus the given flight rows it lacks (a shallow copy; `db` is left as it is)."""
    def key(f: Flight) -> tuple:
        return f.number, f.origin, f.dest, f.date

    new: dict[tuple, Flight] = {}
    for f in map(flight_from_row, rows):
        if key(f) not in new and all(key(g) != key(f) for g in db.flights_by_number.get(f.number, [])):
            new[key(f)] = f
    if not new:
        return db
    by_number = dict(db.flights_by_number)
    by_leg = dict(db.flights_by_leg)
    for f in new.values():
        by_number[f.number] = [*by_number.get(f.number, []), f]
        by_leg[(f.origin, f.dest, f.date)] = [*by_leg.get((f.origin, f.dest, f.date), []), f]
    return TravelDatabase(db.background, db.restaurants_by_city, db.accommodations_by_city, db.attractions_by_city,
                          by_leg, by_number, db.drives)
