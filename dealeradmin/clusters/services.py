"""Changing a lead cluster: upstream first, with the person's own token, then the mirror."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from dealeradmin.accounts.access import client_for
from dealeradmin.accounts.models import Dealership, Location, SalesUser
from dealeradmin.audit.models import AuditEntry
from dealeradmin.audit.services import audit_entry, audit_finish, audit_outcome
from dealeradmin.core.rows import Write, insert_write, update_write, write_all
from dealeradmin.dealerstudio.client import DealerStudioClient
from dealeradmin.dealerstudio.errors import DealerStudioError

from .ingest import set_cluster_tags
from .models import CarInterest, LeadCluster, StatusOptionLabel

CAR_FIELDS = ("car_id", "family_id", "manufacturer_id", "year", "badge", "colour")


def editable_values(cluster: LeadCluster, *, tags: list[str], cars: list[CarInterest]) -> dict:
    """The cluster, with its tags (in order) and cars of interest, as the update body sees it:
    what an edit starts from."""
    return {
        "user_id": cluster.assignee_id,
        "secondary_user_id": cluster.secondary_user_id,
        "lead_state": cluster.lead_state,
        "approved": cluster.approved,
        "location_id": cluster.location_id,
        "lead_status_option_id": cluster.lead_status_option_id,
        "tags": tags,
        "car_ids": list(cluster.car_ids or []),
        "cars": [
            {"id": car.ds_id, **{name: getattr(car, name) for name in CAR_FIELDS}}
            for car in cars
            if car.ds_id is not None
        ],
    }


def describe_changes(dealership: Dealership, base: dict, body: dict) -> dict:
    """{field: [old, new]} in people's terms, for the audit log and messages."""
    # Names are read only for the fields the body changes (most changes name none).
    users = locations = options = {}
    if "user_id" in body or "secondary_user_id" in body:
        users = dict(SalesUser.objects.filter(dealership=dealership).values_list("ds_id", "name"))
    if "location_id" in body:
        locations = dict(
            Location.objects.filter(dealership=dealership).values_list("ds_id", "name")
        )
    if "lead_status_option_id" in body:
        options = dict(
            StatusOptionLabel.objects.filter(dealership_id=dealership.id).values_list(
                "option_id", "name"
            )
        )

    def named(names: dict, value):
        if value is None:
            return None
        return names.get(value) or f"#{value}"

    described = {}
    for name, new in body.items():
        old = base.get(name)
        if name in ("user_id", "secondary_user_id"):
            old, new = named(users, old), named(users, new)
        elif name == "location_id":
            old, new = named(locations, old), named(locations, new)
        elif name == "lead_status_option_id":
            old, new = named(options, old), named(options, new)
        elif name == "car_lead_clusters_attributes":
            # Only the rows sent, each whole: a changed row carries only what changed.
            opened = {car["id"]: car for car in base.get("cars") or []}
            old = [opened[row["id"]] for row in new if row.get("id") in opened]
            new = [{**opened.get(row.get("id"), {}), **row} for row in new]
        described[name] = [old, new]
    return described


class ClusterBusy(Exception):
    """Another save of the cluster is with DealerStudio, or has changed the mirror since this
    one read it: nothing was sent."""


# Longer than any save can take (the read timeout and its retries): a claim older than this
# was left by a process that stopped mid-save.
SAVE_CLAIM = timedelta(minutes=2)


def cluster_update(
    *,
    user,
    dealership: Dealership,
    cluster: LeadCluster,
    base: dict,
    body: dict,
    action: str = "edit",
    job_id: int | None = None,
    client: DealerStudioClient | None = None,
    claim: bool = False,
) -> None:
    """Sends `body` upstream; on success the mirror holds it. Raises DealerStudioError.

    `client`: the person's own by default; a job passes one that shares its limit on calls.
    `claim`: first mark the cluster as being saved, so that two saves sent at once cannot
    each overwrite the other's fields unseen; raises ClusterBusy if another save holds it or
    the mirror changed since `cluster` was read.
    The audit entry is written before the call, so a process that dies mid-call leaves an
    entry whose outcome is unknown rather than no trace at all.
    """
    entry = audit_entry(
        actor=user,
        action=action,
        dealership_id=dealership.id,
        cluster_id=cluster.id,
        changes=describe_changes(dealership, base, body),
        request_body={"lead_cluster": body},
        job_id=job_id,
    )
    if claim:
        _claim_and_start(cluster, entry)
    else:
        write_all([insert_write(entry)])
    release = (update_write(LeadCluster, cluster.id, {"saving_since": None}),) if claim else ()
    released = False
    try:
        try:
            status = (client or client_for(user)).update_lead_cluster(
                dealership.slug, cluster.id, body
            )
        except DealerStudioError as error:
            audit_finish(entry, error=error)
            raise
        with transaction.atomic():  # one write for the mirror, the outcome and the claim
            apply_sent_changes(
                dealership,
                cluster.id,
                body,
                read_version=cluster.version,
                along=(audit_outcome(entry, status=status), *release),
            )
        released = True
    finally:
        if release and not released:
            write_all(list(release))


@transaction.atomic
def _claim_and_start(cluster: LeadCluster, entry: AuditEntry) -> None:
    """Claims the cluster and writes the audit entry in one transaction (one commit, and on
    PostgreSQL one round trip before it); a claim refused leaves no entry behind.

    On PostgreSQL the commit does not wait for the disk (SQLite's, with synchronous=NORMAL,
    never does): it is seen at once, and is on disk by the time the outcome's commit, which
    waits, returns. Only a crash of the database server itself during the call could lose
    the pending entry; waiting for the disk here was a tenth of a save's own time."""
    writes = [_claim_write(cluster), insert_write(entry)]
    if connection.vendor == "postgresql":
        writes.insert(0, Write("SET LOCAL synchronous_commit TO OFF", []))
    if not write_all(writes)[-2]:
        raise ClusterBusy


def _claim_write(cluster: LeadCluster) -> Write:
    """Sets `saving_since` if the mirror is still at the version `cluster` was read at and no
    other save holds a claim younger than SAVE_CLAIM."""
    table, quote = LeadCluster._meta.db_table, connection.ops.quote_name
    field = LeadCluster._meta.get_field("saving_since")
    now = timezone.now()
    return Write(
        f"UPDATE {quote(table)} SET saving_since = %s WHERE id = %s AND version = %s "
        "AND (saving_since IS NULL OR saving_since < %s)",
        [
            field.get_db_prep_save(now, connection),
            cluster.id,
            cluster.version,
            field.get_db_prep_save(now - SAVE_CLAIM, connection),
        ],
    )


@transaction.atomic(savepoint=False)  # inside cluster_update's transaction, no savepoint
def apply_sent_changes(
    dealership: Dealership,
    cluster_id: int,
    body: dict,
    *,
    read_version: int | None = None,
    along: tuple[Write, ...] = (),
) -> None:
    """Records in the mirror what DealerStudio accepted, until its webhook echoes it.

    `read_version` is the mirror's version when the change was made; if a webhook has been
    applied since, its echo may already be in, so the row is not marked as awaiting one.
    `along`: other writes of the same transaction (the audit outcome), sent with the mirror's
    UPDATE (one round trip on PostgreSQL).
    """
    columns = {}
    if "user_id" in body:
        columns["assignee_id"] = body["user_id"]
        columns["assignee_name"] = _user_name(dealership, body["user_id"])
    if "secondary_user_id" in body:
        columns["secondary_user_id"] = body["secondary_user_id"]
        columns["secondary_user_name"] = _user_name(dealership, body["secondary_user_id"])
    if "location_id" in body:
        columns["location_id"] = body["location_id"]
        columns["location_name"] = (
            Location.objects.filter(dealership=dealership, ds_id=body["location_id"])
            .values_list("name", flat=True)
            .first()
            or ""
        )
    for name in ("lead_state", "approved", "lead_status_option_id", "car_ids"):
        if name in body:
            columns[name] = body[name]
    # The rows no longer hold what the last delivery carried (see LeadCluster).
    if "tags" in body:
        columns["delivered_tags_digest"] = ""
    if "car_lead_clusters_attributes" in body:
        columns["delivered_cars_digest"] = ""
    now = timezone.now()
    columns["synced_at"] = now
    if read_version is None:
        columns["written_by_us_at"] = now
    # One UPDATE, written directly (the ORM took longer to build it than the database to run
    # it): it also takes the row lock that keeps a webhook delivery of this cluster out until
    # the tags and cars below are written; the row is never read.
    mirror = update_write(
        LeadCluster,
        cluster_id,
        columns,
        increment=("version",),
        unless_changed=None
        if read_version is None
        else ("version", read_version, {"written_by_us_at": now}),
    )
    updated, *_ = write_all([mirror, *along])
    if not updated:
        raise LeadCluster.DoesNotExist(f"Lead cluster {cluster_id} is not in the mirror")
    if "tags" in body:
        set_cluster_tags(cluster_id, dealership.id, body["tags"])
    rows = body.get("car_lead_clusters_attributes", [])
    # A car added here is recorded until its echo brings DealerStudio's id, unless a delivery
    # has been applied since the change was made: that may have been the echo, which already
    # holds the car (a second, id-less copy would never go away), and if it was not, the echo
    # is still to come. The row lock taken above keeps deliveries out meanwhile.
    add_cars = any("id" not in row for row in rows) and (
        read_version is None
        or LeadCluster.objects.filter(pk=cluster_id, version=read_version + 1).exists()
    )
    for row in rows:
        fields = {name: row[name] for name in CAR_FIELDS if name in row}
        cars = CarInterest.objects.filter(cluster_id=cluster_id)
        if "id" not in row:
            if add_cars:
                CarInterest.objects.create(cluster_id=cluster_id, **fields)
        elif row.get("_destroy"):
            cars.filter(ds_id=row["id"]).delete()
        else:
            cars.filter(ds_id=row["id"]).update(**fields)


def _user_name(dealership: Dealership, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return (
        SalesUser.objects.filter(dealership=dealership, ds_id=user_id)
        .values_list("name", flat=True)
        .first()
        or ""
    )
