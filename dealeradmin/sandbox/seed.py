"""Deterministic demo data: the same dealerships, people and lead clusters on every run.

Timestamps are fixed offsets back from today's midnight in Brisbane, so the data always looks
recent while staying the same within a day.
"""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from .models import (
    LEAD_STATES,
    ApiKey,
    CarLeadCluster,
    Dealership,
    Lead,
    LeadCluster,
    LeadEvent,
    LeadStatusOption,
    Location,
    StaffUser,
)

SEED = 20240611
BRISBANE = ZoneInfo("Australia/Brisbane")
FIRST_CLUSTER_ID = 5001

TOKENS = [
    (1, "dsk_manager_0001_a1b2c3d4e5f6", "Manager — Brisbane City Motors only", [101]),
    (2, "dsk_group_0002_f6e5d4c3b2a1", "Group admin — both dealerships", [101, 202]),
    (3, "dsk_second_0003_9f8e7d6c5b4a", "Gold Coast only", [202]),
]
PERMISSIONS = ["read:car", "update:lead_cluster"]

DEALERSHIPS = [
    {
        "id": 101,
        "name": "Brisbane City Motors",
        "slug": "brisbane-city-motors",
        "domain": "brisbanecitymotors.com.au",
        "clusters": 220,
        "locations": [
            (1101, "Newstead Showroom", "sales"),
            (1102, "Springwood Showroom", "sales"),
            (1103, "Eagle Farm Used Cars", "sales"),
            (1104, "Newstead Service Centre", "service"),
        ],
        "users": [
            (1001, "Sarah Mitchell"),
            (1002, "James O'Connor"),
            (1003, "Priya Sharma"),
            (1004, "Liam Nguyen"),
            (1005, "Chloe Anderson"),
            (1006, "Daniel Kowalski"),
            (1007, "Mia Thompson"),
            (1008, "Tom Wright"),
        ],
        "status_options": [31, 32, 33, 34, 35],
    },
    {
        "id": 202,
        "name": "Gold Coast Auto Group",
        "slug": "gold-coast-auto-group",
        "domain": "goldcoastautogroup.com.au",
        "clusters": 180,
        "locations": [
            (2201, "Southport Showroom", "sales"),
            (2202, "Robina Showroom", "sales"),
            (2203, "Southport Service Centre", "service"),
        ],
        "users": [
            (2001, "Grace Walker"),
            (2002, "Nathan Papadopoulos"),
            (2003, "Emily Chen"),
            (2004, "Jack Murphy"),
            (2005, "Olivia Rossi"),
            (2006, "Ben Tran"),
            (2007, "Hannah Kelly"),
        ],
        "status_options": [41, 42, 43, 44, 45],
    },
]
STATUS_OPTION_NAMES = [
    "Awaiting finance",
    "Test drive booked",
    "Quote sent",
    "Waiting on trade-in valuation",
    "Not ready to buy",
]

FIRST_NAMES = [
    "Jack",
    "Oliver",
    "William",
    "Noah",
    "Thomas",
    "James",
    "Lucas",
    "Henry",
    "Ethan",
    "Cooper",
    "Lachlan",
    "Riley",
    "Mason",
    "Harrison",
    "Charlotte",
    "Olivia",
    "Amelia",
    "Isla",
    "Mia",
    "Ava",
    "Grace",
    "Chloe",
    "Sophie",
    "Zoe",
    "Ruby",
    "Matilda",
    "Emily",
    "Harper",
    "Ella",
    "Sienna",
    "Wei",
    "Anh",
    "Aarav",
    "Priya",
    "Mohammed",
    "Fatima",
    "Kai",
    "Tama",
    "Aroha",
    "Siosaia",
    "Bronwyn",
    "Shane",
    "Darren",
    "Kylie",
    "Craig",
    "Leanne",
    "Brett",
    "Tanya",
    "Dean",
    "Narelle",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Johnson",
    "White",
    "Martin",
    "Anderson",
    "Thompson",
    "Nguyen",
    "Thomas",
    "Walker",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
    "King",
    "Davis",
    "Wright",
    "Evans",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Tran",
    "Chen",
    "Wang",
    "Singh",
    "Murphy",
    "O'Brien",
    "McDonald",
    "Campbell",
    "Stewart",
    "Papadopoulos",
    "Russo",
    "Kowalski",
    "Fitzgerald",
    "Barnes",
    "Henderson",
]
EMAIL_DOMAINS = ["gmail.com", "bigpond.com", "outlook.com", "icloud.com", "hotmail.com.au"]
BUSINESSES = [
    "Sunshine Plumbing Pty Ltd",
    "Redlands Electrical",
    "Coastal Landscaping Co",
    "Logan Tiling Services",
    "Brisbane Mobile Mechanics",
    "Bayside Cleaning Group",
    "Hinterland Builders",
    "Ipswich Couriers",
]

CATEGORIES = [
    "New Vehicle Enquiry",
    "Used Vehicle Enquiry",
    "Test Drive Booking",
    "Special Offer Enquiry",
    "Fleet Enquiry",
    "Finance Enquiry",
    "Trade-in Enquiry",
    "Sell My Car Enquiry",
    "Service Booking",
    "Vehicle Reservation",
    "Brochure Download",
    "General Enquiry",
    "Phone Call",
]
SOURCES = [
    "Website",
    "Walk In",
    "Carsales",
    "Facebook",
    "Facebook Marketplace",
    "Google Ads",
    "Phone Call",
    "Chatbot",
    "Autotrader",
    "Manufacturer",
    "Referral",
    "Repeat",
    "SMS",
]
MESSAGES = [
    "Hi, is this vehicle still available? Keen to come in this weekend.",
    "Could you send me your best drive-away price please?",
    "I'd like to book a test drive, Saturday morning if possible.",
    "What finance options do you have? Looking at around $150 a week.",
    "I have a 2016 Corolla to trade in. What would you give me for it?",
    "Do you have this in white? Happy to wait for stock.",
    "Looking for a dual cab ute for work, need a tow bar fitted.",
    "Please call me after 3pm, I'm at work until then.",
    "Interested in the demo model advertised online.",
    "",
]
EVENT_TEMPLATES = [
    ("note", "Called customer, left voicemail."),
    ("note", "Customer asked for a callback next week."),
    ("email_sent", "Sent brochure and price guide by email."),
    ("sms_sent", "Sent SMS with showroom address and opening hours."),
    ("call", "Spoke with customer about trade-in and finance."),
    ("appointment", "Test drive booked for Saturday 10am."),
]

TAGS_COMMON = ["Finance", "finance", "Trade-in", "Trade In", "VIP", "Follow up", "Follow-up"]
TAGS_RARE = ["Fleet", "Hot"]
# Deliberately drifting spellings of one tag, as people type them.
HIGH_QUALITY = ["High Quality Lead", "high quality lead ", "High-Quality Lead"]

# manufacturer id -> (make, {family id: (model, badges)})
MAKES = {
    17: (
        "Toyota",
        {
            1701: ("HiLux", ["Workmate", "SR", "SR5", "Rogue"]),
            1702: ("RAV4", ["GX", "GXL", "Cruiser", "Edge"]),
            1703: ("Corolla", ["Ascent Sport", "SX", "ZR"]),
            1704: ("LandCruiser", ["GXL", "VX", "Sahara"]),
        },
    ),
    24: (
        "Mazda",
        {
            2401: ("CX-5", ["Maxx", "Maxx Sport", "Touring", "Akera"]),
            2402: ("Mazda3", ["G20 Pure", "G25 Evolve", "G25 Astina"]),
            2403: ("BT-50", ["XT", "XTR", "GT", "Thunder"]),
        },
    ),
    9: (
        "Ford",
        {
            901: ("Ranger", ["XL", "XLS", "XLT", "Sport", "Wildtrak", "Raptor"]),
            902: ("Everest", ["Ambiente", "Trend", "Sport", "Platinum"]),
            903: ("Mustang", ["GT", "Dark Horse"]),
        },
    ),
    12: (
        "Hyundai",
        {
            1201: ("i30", ["Active", "Elite", "N Line"]),
            1202: ("Tucson", ["Elite", "Highlander"]),
            1203: ("Kona", ["Active", "Premium"]),
        },
    ),
    15: (
        "Kia",
        {
            1501: ("Sportage", ["S", "SX", "GT-Line"]),
            1502: ("Cerato", ["S", "Sport", "GT"]),
            1503: ("Sorento", ["Sport", "GT-Line"]),
        },
    ),
    26: (
        "Mitsubishi",
        {
            2601: ("Triton", ["GLX", "GLX+", "GLS"]),
            2602: ("Outlander", ["ES", "LS", "Exceed"]),
            2603: ("ASX", ["ES", "LS", "Exceed"]),
        },
    ),
}
COLOURS = ["White", "Glacier White", "Silver", "Grey", "Black", "Blue", "Red", "Soul Red", "Green"]


def seed_anchor() -> datetime:
    return datetime.combine(datetime.now(BRISBANE).date(), time.min, tzinfo=BRISBANE)


DEFAULT_CLUSTERS = sum(spec["clusters"] for spec in DEALERSHIPS)


def _cluster_counts(clusters: int) -> list[int]:
    """`clusters` shared between the dealerships in the proportions of the default seed."""
    counts = [clusters * spec["clusters"] // DEFAULT_CLUSTERS for spec in DEALERSHIPS]
    counts[0] += clusters - sum(counts)
    return counts


@transaction.atomic
def seed(size: int = DEFAULT_CLUSTERS) -> None:
    """The demo data, with `size` lead clusters."""
    rng = random.Random(SEED)
    anchor = seed_anchor()
    users_by_dealership: dict[int, list[StaffUser]] = {}
    locations_by_dealership: dict[int, list[Location]] = {}
    options_by_dealership: dict[int, list[LeadStatusOption]] = {}

    for spec in DEALERSHIPS:
        dealership = Dealership.objects.create(id=spec["id"], name=spec["name"], slug=spec["slug"])
        locations_by_dealership[dealership.id] = Location.objects.bulk_create(
            Location(id=i, dealership=dealership, name=name, location_type=kind)
            for i, name, kind in spec["locations"]
        )
        users_by_dealership[dealership.id] = StaffUser.objects.bulk_create(
            StaffUser(id=i, dealership=dealership, name=name, email=_staff_email(name, spec))
            for i, name in spec["users"]
        )
        options_by_dealership[dealership.id] = LeadStatusOption.objects.bulk_create(
            LeadStatusOption(id=i, dealership=dealership, name=name)
            for i, name in zip(spec["status_options"], STATUS_OPTION_NAMES, strict=True)
        )

    for key_id, token, label, dealership_ids in TOKENS:
        key = ApiKey.objects.create(id=key_id, token=token, label=label, permissions=PERMISSIONS)
        key.dealerships.set(dealership_ids)

    clusters, leads, events, cars = [], [], [], []
    cluster_id = FIRST_CLUSTER_ID
    for spec, count in zip(DEALERSHIPS, _cluster_counts(size), strict=True):
        dealership_id = spec["id"]
        high_quality = (
            set(rng.sample(range(count), min(100, count))) if dealership_id == 101 else ()
        )
        for n in range(count):
            cluster = _cluster(
                rng,
                anchor,
                cluster_id,
                dealership_id,
                users_by_dealership[dealership_id],
                locations_by_dealership[dealership_id],
                options_by_dealership[dealership_id],
            )
            if n in high_quality:
                cluster.tags.insert(0, rng.choice(HIGH_QUALITY))
            cluster_leads = _leads(rng, cluster, len(leads))
            cluster_events = _events(rng, cluster, cluster_leads, len(events))
            _settle_in_past(rng, anchor, cluster, cluster_leads, cluster_events)
            cluster_cars = _cars(rng, cluster)
            cluster.car_ids = sorted({car.car_id for car in cluster_cars if rng.random() < 0.8})
            clusters.append(cluster)
            leads += cluster_leads
            events += cluster_events
            cars += cluster_cars
            cluster_id += 1

    LeadCluster.objects.bulk_create(clusters)
    Lead.objects.bulk_create(leads)
    LeadEvent.objects.bulk_create(events)
    CarLeadCluster.objects.bulk_create(cars)


def _settle_in_past(rng, anchor, cluster, leads, events) -> None:
    """Set created/modified and shift everything back if the story ran past today."""
    cluster.created = leads[0].created_at
    cluster.modified = max(leads[-1].created_at, events[-1].created_at) + timedelta(
        minutes=rng.randint(5, 600)
    )
    overshoot = cluster.modified - anchor
    if overshoot > timedelta(0):
        shift = overshoot + timedelta(minutes=rng.randint(30, 600))
        cluster.created -= shift
        cluster.modified -= shift
        for row in (*leads, *events):
            row.created_at -= shift


def _staff_email(name: str, spec: dict) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{spec['domain']}"


def _cluster(rng, anchor, cluster_id, dealership_id, users, locations, options) -> LeadCluster:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    state = rng.choices(LEAD_STATES, weights=[30, 30, 15, 5, 20])[0]
    assigned = None if rng.random() < (0.45 if state == "new" else 0.08) else rng.choice(users)
    secondary = None
    if assigned and rng.random() < 0.2:
        secondary = rng.choice([u for u in users if u != assigned])
    approved = state in ("converted", "lost") and rng.random() < 0.6
    sales_locations = [loc for loc in locations if loc.location_type == "sales"]
    tags = rng.sample(TAGS_COMMON, rng.choices([0, 1, 2], weights=[55, 35, 10])[0])
    if rng.random() < 0.08:
        tags.append(rng.choice(TAGS_RARE))
    cluster = LeadCluster(
        id=cluster_id,
        dealership_id=dealership_id,
        lead_state=state,
        business_name=rng.choice(BUSINESSES) if rng.random() < 0.1 else None,
        first_name=first,
        last_name=last,
        email=_contact_email(rng, first, last),
        phone=f"04{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}",
        user=assigned,
        secondary_user=secondary,
        approver=users[0] if approved else None,
        approved=approved,
        location=rng.choice(sales_locations) if rng.random() < 0.75 else None,
        lead_status_option=(
            rng.choice(options) if state in ("new", "contacted") and rng.random() < 0.5 else None
        ),
        tags=tags,
    )
    # Stash the age so leads can be placed in time; not a model field.
    cluster._start = anchor - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
    return cluster


def _contact_email(rng, first: str, last: str) -> str:
    local = f"{first}.{last}".lower().replace("'", "")
    return f"{local}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"


def _leads(rng, cluster, offset) -> list[Lead]:
    at = cluster._start
    leads = []
    for i in range(rng.choices([1, 2, 3, 4], weights=[50, 30, 14, 6])[0]):
        if i:
            at += timedelta(minutes=rng.randint(30, 60 * 24 * 5))
        leads.append(
            Lead(
                id=600001 + offset + i,
                cluster=cluster,
                category=rng.choice(CATEGORIES),
                source=rng.choice(SOURCES),
                message=rng.choice(MESSAGES),
                created_at=at,
            )
        )
    return leads


def _events(rng, cluster, leads, offset) -> list[LeadEvent]:
    events = [
        LeadEvent(
            id=700001 + offset,
            cluster=cluster,
            event_type="lead_created",
            description=f"{leads[0].category} received via {leads[0].source}.",
            created_at=leads[0].created_at,
        )
    ]
    at = leads[0].created_at
    if cluster.user:
        at += timedelta(minutes=rng.randint(1, 90))
        events.append(
            LeadEvent(
                id=700001 + offset + len(events),
                cluster=cluster,
                event_type="assigned",
                description=f"Assigned to {cluster.user.name}.",
                created_at=at,
            )
        )
    for _ in range(rng.randint(0, 2)):
        at += timedelta(minutes=rng.randint(10, 60 * 48))
        event_type, description = rng.choice(EVENT_TEMPLATES)
        events.append(
            LeadEvent(
                id=700001 + offset + len(events),
                cluster=cluster,
                event_type=event_type,
                description=description,
                created_at=at,
            )
        )
    if cluster.lead_state != "new":
        at += timedelta(minutes=rng.randint(10, 60 * 24))
        events.append(
            LeadEvent(
                id=700001 + offset + len(events),
                cluster=cluster,
                event_type="state_changed",
                description=f"Lead state changed to {cluster.lead_state}.",
                created_at=at,
            )
        )
    return events


def _cars(rng, cluster) -> list[CarLeadCluster]:
    cars = []
    for _ in range(rng.choices([0, 1, 2, 3], weights=[25, 45, 22, 8])[0]):
        manufacturer_id = rng.choice(list(MAKES))
        families = MAKES[manufacturer_id][1]
        family_id = rng.choice(list(families))
        cars.append(
            CarLeadCluster(
                cluster=cluster,
                car_id=rng.randint(30000, 39999),
                family_id=family_id,
                manufacturer_id=manufacturer_id,
                year=rng.randint(2012, 2026),
                badge=rng.choice(families[family_id][1]),
                colour=rng.choice(COLOURS),
            )
        )
    return cars
