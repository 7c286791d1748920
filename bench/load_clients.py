"""The LRS clients of bench-load: one per simulated LMS, in the organisations of the seed.

Run by bench/load_lrs.py in a process of its own, with DATABASE_URL naming the bench's
database (migrated and seeded by bench/dataset.py, which made the organisations):

    .venv/bin/python bench/load_clients.py --clients 50 --secret S

Client n (0-based) is `load-<n>` of organisation `bench/population.ORGANISATIONS[n % 4]`.
"""

import argparse

import django_setup  # noqa: F401  (first: Django is set up before the project is imported)
from population import ORGANISATIONS

from engagement.network.services import organisation_get_or_create
from learning_records.services import lrs_client_create


def client_key(number: int) -> str:
    return f"load-{number}"


def client_organisation(number: int) -> str:
    return ORGANISATIONS[number % len(ORGANISATIONS)].slug


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--secret", required=True)
    options = parser.parse_args()
    for number in range(options.clients):
        organisation, _ = organisation_get_or_create(name=client_organisation(number))
        lrs_client_create(
            organisation=organisation,
            name=f"Load LMS {number}",
            key=client_key(number),
            secret=options.secret,
        )


if __name__ == "__main__":
    main()
