"""Moving a cluster on the board: one field, one PUT, with the person's own token."""

from dataclasses import dataclass

from dealeradmin.accounts.models import Dealership
from dealeradmin.audit.models import AuditEntry
from dealeradmin.clusters.forms import NO_UNASSIGN
from dealeradmin.clusters.models import LeadCluster
from dealeradmin.clusters.services import ClusterBusy, cluster_update
from dealeradmin.dealerstudio.errors import DealerStudioError, Rejected, TokenInvalid

from .columns import Column, Grouping, column_key

MOVED = "Moved {name} to {column}."
ALREADY_THERE = "{name} is already in {column}; nothing was sent."
NOT_MOVED = "{name} was not moved: {reason}"
MAYBE_MOVED = "It is not known whether {name} was moved: {reason}"
BEING_SAVED = (
    "{name} is being saved right now (by someone else, or by you in another tab), so nothing "
    "was sent. Move it again in a moment."
)
TOKEN_REFUSED = (
    "DealerStudio no longer accepts your API token. Store a current token on the API token "
    "page, then move the card again."
)
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
    """The error's message, with DealerStudio's own reasons when it gave any (the edit page's
    words for a refused token speak of a form: the board has none)."""
    if isinstance(error, TokenInvalid):
        return TOKEN_REFUSED
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
    """Puts `cluster` in `target`: a PUT holding only the grouping's field, then the mirror.
    Like a save on the edit page it first claims the cluster, so a move and a save (or two
    moves) sent at once cannot silently undo each other."""
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
            claim=True,
        )
    except ClusterBusy:
        return MoveOutcome(cluster.id, False, BEING_SAVED.format(name=name))
    except DealerStudioError as error:
        text = MAYBE_MOVED if error.outcome_unknown else NOT_MOVED
        return MoveOutcome(
            cluster.id, False, text.format(name=name, reason=reason(error)), sent=True
        )
    return MoveOutcome(cluster.id, True, MOVED.format(name=name, column=target.label), sent=True)
