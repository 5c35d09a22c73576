"""Locust users of the load benchmark (benchmarks/load_test.py, scripts/bench-locust.sh).

Each user mixes what visitors and API clients do most: package_search through the API,
the /dataset search page with facet filters, dataset pages, and DCAT pages (a dataset's
Turtle, a page of the paged catalogue). Requests are named by endpoint, not URL, so that
locust's statistics are per endpoint. ``BENCH_DATASETS``: a JSON list of dataset names with
database rows (dataset pages); ``BENCH_CATALOG_PAGES``: how many /catalog.ttl pages exist.
"""
import json
import os
import random

from locust import HttpUser, between, task

NAMES = json.load(open(os.environ["BENCH_DATASETS"])) if os.environ.get(
    "BENCH_DATASETS") else ["real-0"]
PAGES = int(os.environ.get("BENCH_CATALOG_PAGES", "1000"))
WORDS = ["migrants", "refugees", "asylum", "remittances", "labour", "census", "survey",
         "border", "diaspora", "students", "Senegal", "Mali", "Syria", "Mexico",
         "réfugiés", "migración", "المهاجرون", ""]
FACETS = ["countries", "regions", "gcm_objectives", "topics", "population_covered",
          "producer", "source_type", "res_format", "freshness", "organization", "tags"]
COUNTRIES = ["SEN", "MLI", "SYR", "MEX", "DEU", "FRA", "NGA", "AFG"]


class Visitor(HttpUser):
    wait_time = between(0.5, 2.0)

    @task(4)
    def api_search(self):
        params = {"q": random.choice(WORDS), "rows": random.choice([10, 20, 50]),
                  "facet.field": json.dumps(random.sample(FACETS, 5)), "facet.limit": 50}
        if random.random() < 0.5:
            params["fq"] = "countries:%s" % random.choice(COUNTRIES)
        if random.random() < 0.3:
            params["sort"] = random.choice(["metadata_modified desc", "score desc, "
                                            "metadata_modified desc", "title_string asc"])
        with self.client.get("/api/3/action/package_search", params=params,
                             name="/api/3/action/package_search",
                             catch_response=True) as r:
            if r.status_code != 200 or not r.json().get("success"):
                r.failure("%s %s" % (r.status_code, r.text[:200]))

    @task(3)
    def search_page(self):
        params = {"q": random.choice(WORDS)}
        if random.random() < 0.6:
            params["countries"] = random.choice(COUNTRIES)
        if random.random() < 0.4:
            params["gcm_objectives"] = str(random.randint(1, 23))
        if random.random() < 0.2:
            params["page"] = random.randint(2, 5)
        self.client.get("/dataset/", params=params, name="/dataset/ (search page)")

    @task(3)
    def dataset_page(self):
        self.client.get("/dataset/%s" % random.choice(NAMES), name="/dataset/<name>")

    @task(1)
    def dataset_ttl(self):
        self.client.get("/dataset/%s.ttl" % random.choice(NAMES), name="/dataset/<name>.ttl")

    @task(1)
    def catalog_page(self):
        # mostly the first pages, as crawlers start there; sometimes a deep one
        page = random.randint(1, 20) if random.random() < 0.9 else random.randint(1, PAGES)
        self.client.get("/catalog.ttl", params={"page": page}, name="/catalog.ttl?page=N")
