from django.db import models

LEAD_STATES = ["new", "contacted", "lost", "invalid", "converted"]


class Dealership(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    id = models.IntegerField(primary_key=True)
    dealership = models.ForeignKey(Dealership, models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    location_type = models.CharField(max_length=40)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class StaffUser(models.Model):
    id = models.IntegerField(primary_key=True)
    dealership = models.ForeignKey(Dealership, models.CASCADE, related_name="users")
    name = models.CharField(max_length=200)
    email = models.EmailField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LeadStatusOption(models.Model):
    id = models.IntegerField(primary_key=True)
    dealership = models.ForeignKey(Dealership, models.CASCADE, related_name="status_options")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    id = models.IntegerField(primary_key=True)
    token = models.CharField(max_length=100, unique=True)
    label = models.CharField(max_length=200)
    permissions = models.JSONField(default=list)
    dealerships = models.ManyToManyField(Dealership, related_name="api_keys")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class LeadCluster(models.Model):
    id = models.IntegerField(primary_key=True)
    dealership = models.ForeignKey(Dealership, models.CASCADE, related_name="lead_clusters")
    lead_state = models.CharField(max_length=20, default="new")
    # null and "" differ on the wire, so string fields that may be null stay nullable.
    business_name = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=200)
    phone = models.CharField(max_length=40)
    user = models.ForeignKey(StaffUser, models.SET_NULL, null=True, related_name="+")
    secondary_user = models.ForeignKey(StaffUser, models.SET_NULL, null=True, related_name="+")
    approver = models.ForeignKey(StaffUser, models.SET_NULL, null=True, related_name="+")
    approved = models.BooleanField(default=False)
    location = models.ForeignKey(Location, models.SET_NULL, null=True, related_name="+")
    lead_status_option = models.ForeignKey(
        LeadStatusOption, models.SET_NULL, null=True, related_name="+"
    )
    tags = models.JSONField(default=list)
    car_ids = models.JSONField(default=list)
    created = models.DateTimeField()
    modified = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Lead cluster {self.id}"


class Lead(models.Model):
    id = models.IntegerField(primary_key=True)
    cluster = models.ForeignKey(LeadCluster, models.CASCADE, related_name="leads")
    category = models.CharField(max_length=100)
    source = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Lead {self.id}"


class LeadEvent(models.Model):
    id = models.IntegerField(primary_key=True)
    cluster = models.ForeignKey(LeadCluster, models.CASCADE, related_name="lead_events")
    event_type = models.CharField(max_length=60)
    description = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_type} on {self.cluster_id}"


class CarLeadCluster(models.Model):
    # Auto ids: rows added through nested attributes need fresh ids after the seeded ones.
    cluster = models.ForeignKey(LeadCluster, models.CASCADE, related_name="cars")
    car_id = models.IntegerField()
    family_id = models.IntegerField()
    manufacturer_id = models.IntegerField()
    year = models.IntegerField(null=True)
    badge = models.CharField(max_length=100, null=True)  # noqa: DJ001
    colour = models.CharField(max_length=60, null=True)  # noqa: DJ001

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Car {self.car_id} on {self.cluster_id}"
