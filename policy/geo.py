"""Distances on the ground, for checking that a volunteer checked in at the household."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle (haversine) distance in whole metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


#: Huoshan County (霍山县) as a box around its borders, with a margin: about 31°03′–31°33′ N,
#: 115°52′–116°32′ E. A check-in position outside it is refused (a phone's wrong fix, or a
#: position sent from elsewhere), never recorded as a visit.
COUNTY_BOUNDS = (30.95, 31.65, 115.75, 116.65)


def in_county(latitude: float, longitude: float, bounds: tuple[float, float, float, float] = COUNTY_BOUNDS) -> bool:
    south, north, west, east = bounds
    return south <= latitude <= north and west <= longitude <= east
