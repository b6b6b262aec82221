"""About thirty managers at work: list, search, open a cluster, save it, move cards on the board.

Run through loadtest/run.py, which starts the production-style server and the sandbox and checks
afterwards that nothing acknowledged was lost. Each save adds a tag unique to it, so the sandbox's
request log and the audit log can be searched for every save the dashboard acknowledged.
"""

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.clusters.htmlform import form_values  # noqa: E402

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "load-test passphrase 2024")
USERS = int(os.environ.get("LOADTEST_USERS", "30"))
SLUG = "brisbane-city-motors"
WORDS = ["smith", "lee", "nguyen", "0412", "gmail", "brown", "wilson", "ford", "kia", "a"]
EDIT_LINK = re.compile(r'href="(/leads/[\w-]+/(\d+)/)\?back=')
MOVE_FORM = re.compile(r'<form class="move-form".*?</form>', re.S)
HIDDEN = re.compile(r'name="(cluster|dealership|seen)" value="([^"]*)"')
COLUMN = re.compile(r'class="card-list" data-column="(\d+)" data-accepts="true"')

_usernames = itertools.cycle([f"manager{n:02d}" for n in range(1, USERS + 1)])
_save_numbers = itertools.count(1)
acknowledged_saves: list[dict] = []
acknowledged_moves: list[dict] = []


class Manager(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.username = next(_usernames)
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            name="/accounts/login/",
        )
        assert response.status_code == 302, f"{self.username} could not sign in"
        self.cluster_urls: list[tuple[str, int]] = []

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    @task(4)
    def list_clusters(self):
        page = self.client.get("/leads/", params={"page": random.randint(1, 4)}, name="/leads/")
        self.cluster_urls = [(url, int(cid)) for url, cid in EDIT_LINK.findall(page.text)]

    @task(3)
    def search(self):
        self.client.get(
            "/leads/",
            params={"q": random.choice(WORDS)},
            headers={"HX-Request": "true"},
            name="/leads/?q= (htmx)",
        )

    @task(3)
    def open_cluster(self):
        if self.cluster_urls:
            url, _ = random.choice(self.cluster_urls)
            self.client.get(url, name="/leads/[slug]/[id]/")

    @task(3)
    def save_cluster(self):
        if not self.cluster_urls:
            return
        url, cluster_id = random.choice(self.cluster_urls)
        page = self.client.get(url, name="/leads/[slug]/[id]/")
        if page.status_code != 200:
            return
        data = form_values(page.text)
        marker = f"load-{self.username}-{next(_save_numbers)}"
        tags = [t for t in data.get("tags", "").split("\n") if t and not t.startswith("load-")]
        data["tags"] = "\n".join([*tags[:3], marker])
        with self.client.post(
            url,
            data,
            headers={"X-CSRFToken": self._csrf(), "Referer": self.host + url},
            allow_redirects=False,
            name="/leads/[slug]/[id]/",
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                acknowledged_saves.append({"cluster": cluster_id, "marker": marker})
                response.success()
            elif response.status_code == 200:
                # re-shown: a clash with another manager's save, or an upstream refusal
                response.success()

    @task(2)
    def board(self):
        self.client.get("/board/", name="/board/")

    @task(2)
    def move_card(self):
        page = self.client.get("/board/", name="/board/")
        forms = MOVE_FORM.findall(page.text)
        columns = COLUMN.findall(page.text)
        if not forms or len(columns) < 2:
            return
        fields = dict(HIDDEN.findall(random.choice(forms)))
        target = random.choice([c for c in columns if c != fields.get("seen")])
        with self.client.post(
            "/board/move/",
            {**fields, "to": target},
            headers={
                "X-CSRFToken": self._csrf(),
                "HX-Request": "true",
                "Referer": self.host + "/board/",
            },
            name="/board/move/ (htmx)",
            catch_response=True,
        ) as response:
            trigger = json.loads(response.headers.get("HX-Trigger") or "{}")
            level = (trigger.get("showMessage") or {}).get("level")
            if response.status_code == 200 and level == "success":
                acknowledged_moves.append({"cluster": int(fields["cluster"]), "to": int(target)})
            if response.status_code < 500:
                response.success()


@events.test_stop.add_listener
def _record_acknowledged(environment, **kwargs):
    path = os.environ.get("LOADTEST_ACKNOWLEDGED")
    if path:
        Path(path).write_text(
            json.dumps({"saves": acknowledged_saves, "moves": acknowledged_moves}, indent=1)
        )
