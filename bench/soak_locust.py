"""The users of the soak test (``python -m bench.soak``; run by locust, not imported by Duban).

Each simulated user takes the next persona prepared by ``bench.soak`` (``SOAK_PERSONAS``): county
clerks read their queue and items and file progress reports; supervisors read the workbench, the
item lists and a bulletin preview; leaders read the dashboard and drill into a city; scripts call
the API with a token. Every write's text carries the run's mark and a serial, and every accepted
write is appended to ``SOAK_WRITES`` so ``bench.soak`` can count them back in the database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, events, task

PERSONAS = json.loads(open(os.environ["SOAK_PERSONAS"], encoding="utf-8").read())
RUN = PERSONAS["run"]
_next = itertools.count()
_lock = threading.Lock()
_writes: list[str] = []


@events.quitting.add_listener
def _save(environment, **kwargs) -> None:
    with open(os.environ["SOAK_WRITES"], "a", encoding="utf-8") as out:
        for mark in _writes:
            out.write(mark + "\n")


class Persona(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        people = PERSONAS["people"]
        self.p = people[next(_next) % len(people)]
        self.client.cookies.set(PERSONAS["cookie_name"], self.p["session"])
        self.client.cookies.set(PERSONAS["csrf_cookie"], PERSONAS["csrf"])
        self.serial = itertools.count(1)

    def page(self, url: str, name: str) -> None:
        self.client.get(url, name=name)

    @task
    def work(self) -> None:
        role = self.p["role"]
        roll = random.random()
        if role == "clerk":
            if roll < 0.35:
                self.page("/", "clerk: queue")
            elif roll < 0.75:
                self.page(f"/items/{random.choice(self.p['items'])}/", "clerk: item page")
            else:
                self.report()
        elif role == "supervisor":
            if roll < 0.4:
                self.page("/", "supervisor: workbench")
            elif roll < 0.7:
                self.page(f"/items/?unit={self.p['city']}&light=red", "supervisor: red items of a city")
            elif roll < 0.9:
                self.page(f"/items/{random.choice(self.p['items'])}/", "supervisor: item page")
            else:
                self.page(self.p["bulletin"], "supervisor: bulletin preview")
        elif role == "leader":
            if roll < 0.6:
                self.page("/", "leader: dashboard")
            else:
                self.page(f"/dashboard/{self.p['city']}/", "leader: a city's dashboard")
        else:  # a script with a token
            headers = {"Authorization": f"Bearer {self.p['token']}"}
            if roll < 0.6:
                self.client.get("/api/v1/queue", headers=headers, name="api: queue")
            else:
                item = random.choice(self.p["items"])
                self.client.get(f"/api/v1/items/{item}", headers=headers, name="api: item")

    def report(self) -> None:
        track = random.choice(self.p["tracks"])
        mark = f"{RUN}-{self.p['user']}-{next(self.serial)}"
        form = {
            "csrfmiddlewaretoken": PERSONAS["csrf"],
            "kind": "progress",
            "done": f"压测进度 {mark}：已完成阶段性工作，正在推进下一步。",
        }
        with self.client.post(
            f"/tracks/{track}/report/",
            data=form,
            headers={"Referer": self.host + "/"},
            allow_redirects=False,
            name="clerk: file a progress report",
            catch_response=True,
        ) as r:
            if r.status_code == 302:
                with _lock:
                    _writes.append(mark)
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
