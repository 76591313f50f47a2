"""The header search (issue 16): people by name, reference or flat; orders, invoices and providers
by reference or name — each app offers its records (`hooks.register_search`), already scoped to
the user, and this module matches them.

A term matches a field that contains it (`ILIKE '%term%'`, so part of a surname finds the person)
or, for a slip of the keyboard, a name whose words are trigram-similar to it (pg_trgm's `%>`,
on the source's `fuzzy` fields only: a reference one character off is another record); hits are
ranked by trigram word similarity. Both use the GIN trigram indexes the apps declare on those
fields (the pg_trgm extension comes in `portal/migrations/0008_trigram_search_extension.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models.functions import Greatest

from .hooks import SearchSource, search_sources

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from .models import User

#: Shorter terms match too much to be useful (and trigram indexes need three characters).
MIN_TERM = 2
#: Hits shown per kind; the page says when there are more.
PER_KIND = 10


@models.CharField.register_lookup
class ContainsIgnoringCase(models.Lookup):
    """`field__ilike_contains=term`: PostgreSQL's `ILIKE '%term%'`, which a GIN trigram index on
    the plain column serves (Django's `icontains` compares `UPPER()`s, which it does not)."""

    lookup_name = "ilike_contains"

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[str]]:
        return "%s", (f"%{connection.ops.prep_for_like_query(value)}%",)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


@dataclass
class SearchGroup:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # more than PER_KIND matched


def _matches(source: SearchSource, user: User, term: str) -> list[Any]:
    condition = reduce(
        or_,
        [models.Q(**{f"{name}__ilike_contains": term}) for name in source.fields]
        + [models.Q(**{f"{name}__trigram_word_similar": term}) for name in source.fuzzy],
    )
    similarities = [TrigramWordSimilarity(term, name) for name in source.fields]
    rank = similarities[0] if len(similarities) == 1 else Greatest(*similarities)
    records = source.records(user).filter(condition).annotate(search_rank=rank)
    return list(records.order_by("-search_rank", "pk")[: PER_KIND + 1])


def search(user: User, term: str) -> list[SearchGroup]:
    """What `user` may see that matches `term`, grouped by kind (kinds with no hit left out)."""
    term = " ".join(term.split())[:100]
    if len(term) < MIN_TERM:
        return []
    groups = []
    for source in search_sources():
        found = _matches(source, user, term)
        if found:
            hits = [Hit(*source.describe(r), url=source.url(r)) for r in found[:PER_KIND]]
            groups.append(SearchGroup(source.kind, source.label, hits, more=len(found) > PER_KIND))
    return groups
