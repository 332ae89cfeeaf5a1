"""Model instances from hand-written statements: for the few hottest reads, where building the
statement through the ORM costs more than running it (``bench/README.md``).

A read names its parts (a table alias, a model and the fields read), writes its own ``FROM``
and ``WHERE``, and gets one instance per part, its values converted as the ORM converts them;
the fields left out are deferred, as with ``QuerySet.only``. Table and column names come from
the models; every value is a parameter.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Field, Model


@dataclass(frozen=True)
class Part:
    """One table of a read: its alias in the statement, its model, the fields read."""

    alias: str
    model: type[Model]
    fields: tuple[Field, ...]

    @classmethod
    def of(cls, alias: str, model: type[Model], *names: str) -> "Part":
        """The named fields, or every column of the model when none is named."""
        meta = model._meta
        fields = tuple(meta.get_field(name) for name in names) if names else meta.concrete_fields
        return cls(alias, model, tuple(fields))

    @property
    def table(self) -> str:
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"


def select_list(parts: Sequence[Part]) -> str:
    """The statement's columns: every part's fields, in order."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{part.alias}.{quote(field.column)}" for part in parts for field in part.fields
    )


def instances(parts: Sequence[Part], row: Sequence) -> dict[str, Model | None]:
    """Each part's instance from one row of ``select_list(parts)``, by alias; None for a part
    whose primary key (its first field) is null, as a ``LEFT JOIN`` that found nothing reads."""
    found, at = {}, 0
    for part in parts:
        values = row[at : at + len(part.fields)]
        at += len(part.fields)
        found[part.alias] = (
            None if values[0] is None else model_from_row(part.model, part.fields, values)
        )
    return found


def read_one(sql: str, params: Sequence, parts: Sequence[Part]) -> tuple[dict, tuple] | None:
    """Run ``sql`` (its columns: ``select_list(parts)``, then any more) and answer its first
    row as each part's instance by alias, and the row's further values; None for no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    width = sum(len(part.fields) for part in parts)
    return instances(parts, row[:width]), tuple(row[width:])


def read_all(sql: str, params: Sequence, parts: Sequence[Part]) -> list[dict]:
    """Run ``sql`` (its columns: ``select_list(parts)``) and answer each row as each part's
    instance by alias."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [instances(parts, row) for row in cursor.fetchall()]


def value_from_db(model: type[Model], name: str, value):
    """One column's value (of ``model``'s field ``name``), converted as the ORM converts it."""
    field = model._meta.get_field(name)
    ((column, converters),) = _converters(connection.alias, model, (field,))
    for converter in converters:
        value = converter(value, column, connection)
    return value


def model_from_row(model: type[Model], fields: Sequence[Field], values: Sequence) -> Model:
    """A model instance from database values, converted as the ORM converts them; the fields
    left out are deferred (read on first use)."""
    converted = []
    for (column, converters), value in zip(
        _converters(connection.alias, model, tuple(fields)), values, strict=True
    ):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(alias: str, model: type[Model], fields: tuple[Field, ...]) -> list[tuple]:
    """Each field's column and the converters the ORM applies to its values, looked up once per
    database: they depend on the backend and the field only (the connection is passed in)."""
    found = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        found.append((column, converters))
    return found
