"""Locust users for bench/api.py: staff at the workbench's API, each with their own token,
paging customer lists and opening customer 360 pages, with think time between clicks.

Environment: BENCH_PLAN — a JSON file {"tokens": {role: token}, "lists": [[role, path]],
"details": [[role, path]]}; BENCH_WAIT_MIN / BENCH_WAIT_MAX — think time in seconds.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text("utf-8"))
WAIT = between(
    float(os.environ.get("BENCH_WAIT_MIN", "0.5")), float(os.environ.get("BENCH_WAIT_MAX", "2"))
)


class Staff(HttpUser):
    wait_time = WAIT

    def on_start(self) -> None:
        self.role = random.choice(sorted(PLAN["tokens"]))
        self.headers = {"Authorization": f"Bearer {PLAN['tokens'][self.role]}"}
        self.lists = [p for r, p in PLAN["lists"] if r == self.role]
        self.details = [p for r, p in PLAN["details"] if r == self.role]

    @task(2)
    def customer_list(self) -> None:
        self.client.get(random.choice(self.lists), headers=self.headers, name="list")

    @task(1)
    def customer_360(self) -> None:
        self.client.get(random.choice(self.details), headers=self.headers, name="360")
