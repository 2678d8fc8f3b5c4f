"""Fetches a Prometheus page and parses it with the Prometheus project's own Python client
(prometheus_client), an independent parser of the text format; prints every sample as JSON:
[{"name": ..., "labels": {...}, "value": ..., "family": ..., "type": ...}, ...].

Usage: scrape.py URL [TOKEN]
"""

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    request = urllib.request.Request(url)
    if len(sys.argv) > 2:
        request.add_header("Authorization", "Bearer " + sys.argv[2])
    with urllib.request.urlopen(request, timeout=10) as answer:
        content_type = answer.headers.get("Content-Type", "")
        text = answer.read().decode("utf-8")
    if not content_type.startswith("text/plain"):
        raise SystemExit("not the text format: " + content_type)
    samples = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.append(
                {
                    "family": family.name,
                    "type": family.type,
                    "name": sample.name,
                    "labels": sample.labels,
                    "value": sample.value,
                }
            )
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
