"""What DealerStudio answers, parsed at the boundary into small records (unknown keys ignored)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LocationRecord:
    id: int
    name: str
    location_type: str


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class DealershipRecord:
    id: int
    name: str
    slug: str
    locations: tuple[LocationRecord, ...]
    users: tuple[UserRecord, ...]


@dataclass(frozen=True)
class ApiKeyDetails:
    id: int | None
    permissions: tuple[str, ...]
    dealerships: tuple[DealershipRecord, ...]


def parse_apikey_details(data: object) -> ApiKeyDetails:
    """Raises ValueError (or KeyError/TypeError) when the shape is not the documented one."""
    if not isinstance(data, dict) or not isinstance(data.get("dealerships"), list):
        raise ValueError("apikey_details is not an object with a dealerships list")
    dealerships = []
    for d in data["dealerships"]:
        dealerships.append(
            DealershipRecord(
                id=int(d["id"]),
                name=str(d.get("name") or d["slug"]),
                slug=str(d["slug"]),
                locations=tuple(
                    LocationRecord(
                        id=int(loc["id"]),
                        name=str(loc.get("name") or f"Location {loc['id']}"),
                        location_type=str(loc.get("location_type") or ""),
                    )
                    for loc in d.get("locations") or []
                ),
                users=tuple(
                    UserRecord(
                        id=int(u["id"]),
                        name=str(u.get("name") or f"User {u['id']}"),
                        email=str(u.get("email") or ""),
                    )
                    for u in d.get("users") or []
                ),
            )
        )
    permissions = data.get("permissions") or []
    return ApiKeyDetails(
        id=int(data["id"]) if data.get("id") is not None else None,
        permissions=tuple(str(p) for p in permissions),
        dealerships=tuple(dealerships),
    )
