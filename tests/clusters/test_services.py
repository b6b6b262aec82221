"""Changing a cluster (services.cluster_update): the mirror holds what DealerStudio accepted,
whatever order the PUT's answer and the webhook's echo of it arrive in."""

import json

from dealeradmin.accounts.access import client_for
from dealeradmin.accounts.models import Dealership
from dealeradmin.clusters.ingest import ingest_payload
from dealeradmin.clusters.models import CarInterest, LeadCluster
from dealeradmin.clusters.services import cluster_update, editable_values
from dealeradmin.dealerstudio.client import DealerStudioClient

NEW_CAR = {"car_id": 888, "family_id": 45, "manufacturer_id": 6, "year": 2022, "badge": "Z"}


class _EchoFirst(DealerStudioClient):
    """The person's real client, over HTTP to the sandbox; once DealerStudio has answered, the
    webhook's echo of the change is applied before the save goes on to record it."""

    def __init__(self, sandbox, token: str):
        super().__init__(token)
        self.sandbox = sandbox

    def update_lead_cluster(self, slug, cluster_id, body):
        answer = super().update_lead_cluster(slug, cluster_id, body)
        for line in self.sandbox.export_jsonl().splitlines():
            payload = json.loads(line)
            if payload["Id"] == cluster_id:
                ingest_payload(payload)  # as the Lead Cluster Webhook delivers it
        return answer


def _add_a_car(manager, cluster, client) -> None:
    current = editable_values(cluster, tags=cluster.tag_names(), cars=list(cluster.cars.all()))
    cluster_update(
        user=manager,
        dealership=Dealership.objects.get(pk=cluster.dealership_id),
        cluster=cluster,
        base=current,
        body={"car_lead_clusters_attributes": [NEW_CAR]},
        client=client,
        claim=True,
    )


def test_a_car_added_is_held_once_when_the_echo_arrives_before_the_save_records_it(
    manager, sandbox
):
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    before = cluster.cars.count()
    _add_a_car(manager, cluster, _EchoFirst(sandbox, manager.api_token.token))

    added = CarInterest.objects.filter(cluster_id=cluster.id, car_id=888)
    assert [car.ds_id is not None for car in added] == [True]  # the echo's, with its id
    assert CarInterest.objects.filter(cluster_id=cluster.id).count() == before + 1


def test_a_car_added_is_held_until_its_echo_when_the_save_records_it_first(manager, sandbox):
    cluster = LeadCluster.objects.filter(dealership_id=101).first()
    _add_a_car(manager, cluster, client_for(manager))

    added = CarInterest.objects.filter(cluster_id=cluster.id, car_id=888)
    assert [car.ds_id for car in added] == [None]  # awaiting DealerStudio's id
