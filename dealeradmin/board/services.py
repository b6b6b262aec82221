"""Moving a cluster on the board: one field, one PUT, with the person's own token."""

from dataclasses import dataclass

from dealeradmin.accounts.models import Dealership
from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.forms import NO_UNASSIGN
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.clusters.services import cluster_update
from dealeradmin.dealerstudio.errors import DealerStudioError, Rejected

from .columns import Column, Grouping, column_key

MOVED = "Moved {name} to {column}."
ALREADY_THERE = "{name} is already in {column}; nothing was sent."
NOT_MOVED = "{name} was not moved: {reason}"
NO_SUCH_COLUMN = "That column is not on the board any more. Reload the board."
TAKES_NO_DROPS = "{column} takes no drops."
OTHER_DEALERSHIP = "{column} belongs to another dealership, so {name} cannot go there."
CHANGED_MEANWHILE = (
    "{name} was changed elsewhere since the board was loaded, so nothing was sent. "
    "It is now shown where it is."
)


def display_name(cluster: LeadCluster) -> str:
    return cluster.contact_name or f"Lead cluster #{cluster.id}"


def move_refusal(
    *, grouping: Grouping, cluster: LeadCluster, target: Column | None, seen_key: str | None
) -> str | None:
    """Why this move must not be sent, in plain words; None when it may go."""
    if target is None:
        return NO_SUCH_COLUMN
    if seen_key and seen_key != column_key(getattr(cluster, grouping.field)):
        return CHANGED_MEANWHILE.format(name=display_name(cluster))
    if not target.accepts:
        # The only documented way to "unassign" does nothing (a blank user_id is ignored).
        return (
            NO_UNASSIGN
            if grouping.key == "assignee"
            else TAKES_NO_DROPS.format(column=target.label)
        )
    if not target.fits(cluster):
        return OTHER_DEALERSHIP.format(column=target.label, name=display_name(cluster))
    return None


def reason(error: DealerStudioError) -> str:
    """The error's message, with DealerStudio's own reasons when it gave any."""
    if not isinstance(error, Rejected):
        return error.message
    details = [*error.base_errors]
    details += [f"{name}: {' '.join(texts)}" for name, texts in error.field_errors.items()]
    return " ".join([error.message, *details])[:500]


@dataclass
class MoveOutcome:
    cluster_id: int
    ok: bool
    text: str
    sent: bool = False


def cluster_move(
    *,
    user,
    dealership: Dealership,
    cluster: LeadCluster,
    grouping: Grouping,
    target: Column,
    seen_key: str | None = None,
    action: str = AuditEntry.Action.BOARD_MOVE,
) -> MoveOutcome:
    """Puts `cluster` in `target`: a PUT holding only the grouping's field, then the mirror."""
    name = display_name(cluster)
    refusal = move_refusal(grouping=grouping, cluster=cluster, target=target, seen_key=seen_key)
    if refusal:
        return MoveOutcome(cluster.id, False, refusal)
    current = getattr(cluster, grouping.field)
    if column_key(current) == target.key:
        return MoveOutcome(cluster.id, True, ALREADY_THERE.format(name=name, column=target.label))
    try:
        cluster_update(
            user=user,
            dealership=dealership,
            cluster=cluster,
            base={grouping.body_field: current},
            body={grouping.body_field: target.value},
            action=action,
        )
    except DealerStudioError as error:
        return MoveOutcome(
            cluster.id, False, NOT_MOVED.format(name=name, reason=reason(error)), sent=True
        )
    return MoveOutcome(cluster.id, True, MOVED.format(name=name, column=target.label), sent=True)
