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

from django.db import connection, connections
from django.db.models import DEFERRED, Field, Model, signals
from django.db.models.base import ModelState


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
    db = connections[connection.alias]
    return {loader.alias: loader.load(row, db) for loader in _loaders(parts)}


def read_one(sql: str, params: Sequence, parts: Sequence[Part]) -> tuple[dict, tuple] | None:
    """Run ``sql`` (its columns: ``select_list(parts)``, then any more) and answer its first
    row as each part's instance by alias, and the row's further values; None for no row."""
    with _cursor(connections[connection.alias]) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    width = sum(len(part.fields) for part in parts)
    return instances(parts, row), tuple(row[width:])


def read_all(
    sql: str, params: Sequence, parts: Sequence[Part], *, shared: Sequence[str] = ()
) -> list[dict]:
    """Run ``sql`` (its columns: ``select_list(parts)``) and answer each row as each part's
    instance by alias. A ``shared`` part (by alias) is built once per primary key and the same
    instance given to every row that names it: a day's slot under each of its tokens."""
    return [found for found, _ in read_rows(sql, params, parts, shared=shared)]


def read_rows(
    sql: str, params: Sequence, parts: Sequence[Part], *, shared: Sequence[str] = ()
) -> list[tuple[dict, tuple]]:
    """``read_all`` for a statement with more columns after ``select_list(parts)`` (counts,
    say): each row as each part's instance by alias, and the row's further values."""
    loaders, db = _loaders(parts), connections[connection.alias]
    width = sum(len(part.fields) for part in parts)
    with _cursor(db) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    seen: dict[str, dict] = {alias: {} for alias in shared}
    found = []
    for row in rows:
        one = {}
        for loader in loaders:
            known = seen.get(loader.alias)
            if known is None:
                one[loader.alias] = loader.load(row, db)
                continue
            key = row[loader.start]
            if key not in known:
                known[key] = loader.load(row, db)
            one[loader.alias] = known[key]
        found.append((one, tuple(row[width:])))
    return found


def _cursor(db):
    """A cursor of ``db`` for a hand-written read. On PostgreSQL its ``timestamptz`` columns are
    read by psycopg's own loader (compiled, in the binary package) instead of the pure-Python
    one Django registers to label every value UTC: the session's time zone is UTC already (Django
    sets it), so the values are the same, and a day's queue of hundreds of tokens reads in half
    the time."""
    cursor = db.cursor()
    if db.vendor == "postgresql":
        cursor.cursor.adapters.register_loader("timestamptz", _timestamptz_loader())
    return cursor


@functools.cache
def _timestamptz_loader():
    import psycopg

    oid = psycopg.postgres.types["timestamptz"].oid
    return psycopg.postgres.adapters.get_loader(oid, psycopg.pq.Format.TEXT)


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
    db = connections[connection.alias]
    return _loader_of(db.alias, Part("", model, tuple(fields)), 0).load(values, db)


class _Loader:
    """Builds one part's instances from rows: what depends only on the part and the database
    (the converters, where each column goes) is worked out once, not for every row."""

    def __init__(self, db_alias: str, part: Part, start: int):
        self.alias, self.model, self.start = part.alias, part.model, start
        self.stop = start + len(part.fields)
        concrete = part.model._meta.concrete_fields
        where = {field.attname: n for n, field in enumerate(concrete)}
        # Where each column read lands in the model's full row (the rest stays deferred).
        self.places = [where[field.attname] for field in part.fields]
        self.width = len(concrete)
        self.complete = self.places == list(range(self.width))
        self.attnames = [field.attname for field in part.fields]
        # Without pre_init or post_init receivers (none in this project), ``Model.__init__``
        # comes down to its fields' values in ``__dict__`` and a fresh ``_state``: written out
        # here, a busy day's queue of hundreds of tokens is built in half the time.
        self.direct = not (
            signals.pre_init.has_listeners(part.model)
            or signals.post_init.has_listeners(part.model)
        )
        self.converted = [
            (n, column, converters)
            for n, (column, converters) in enumerate(_converters(db_alias, part.model, part.fields))
            if converters
        ]

    def load(self, row: Sequence, db) -> Model | None:
        """The part's instance from ``row`` (read on ``db``, a connection), or None when its
        primary key is null."""
        values = list(row[self.start : self.stop])
        if values[0] is None:
            return None
        for n, column, converters in self.converted:
            value = values[n]
            for converter in converters:
                value = converter(value, column, db)
            values[n] = value
        if self.direct:
            instance = self.model.__new__(self.model)
            instance._state = state = ModelState()
            state.adding, state.db = False, db.alias
            # A field not read stays out of ``__dict__``: deferred, read on first use.
            instance.__dict__.update(zip(self.attnames, values, strict=True))
            return instance
        if not self.complete:
            full = [DEFERRED] * self.width
            for place, value in zip(self.places, values, strict=True):
                full[place] = value
            values = full
        # With every column in place, ``from_db`` builds the instance as a queryset would.
        return self.model.from_db(db.alias, None, values)


def _loaders(parts: Sequence[Part]) -> list[_Loader]:
    """Each part's loader, where its columns start in the row."""
    alias, loaders, start = connection.alias, [], 0
    for part in parts:
        loaders.append(_loader_of(alias, part, start))
        start += len(part.fields)
    return loaders


@functools.cache
def _loader_of(db_alias: str, part: Part, start: int) -> _Loader:
    return _Loader(db_alias, part, start)


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


def insert(instance: Model) -> Model:
    """Write a new instance as ``instance.save(force_insert=True)`` does, with the statement
    built once per model: each field's ``pre_save`` runs, its value is prepared for the database
    as the ORM prepares it, the primary key comes back, and ``post_save`` is sent.

    For a model of one table whose primary key the database assigns, with no ``pre_save``
    receiver; anything else (or a value that is an expression, such as a database default) is
    saved by the ORM instead.
    """
    model = type(instance)
    db = connections[connection.alias]
    plan = _insert_plan(db.alias, model)
    values = [field.pre_save(instance, True) for field in plan.fields] if plan else None
    if plan is None or any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True)
        return instance
    prepared = [
        field.get_db_prep_save(value, connection=db)
        for field, value in zip(plan.fields, values, strict=True)
    ]
    with db.cursor() as cursor:
        cursor.execute(plan.sql, prepared)
        pk = cursor.fetchone()[0] if plan.returning else cursor.lastrowid
    setattr(instance, model._meta.pk.attname, pk)
    instance._state.adding, instance._state.db = False, db.alias
    signals.post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=db.alias
    )
    return instance


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: tuple[Field, ...]
    returning: bool


@functools.cache
def _insert_plan(db_alias: str, model: type[Model]) -> _InsertPlan | None:
    meta = model._meta
    if (
        meta.parents
        or meta.order_with_respect_to
        or meta.pk is not meta.auto_field
        or signals.pre_save.has_listeners(model)
    ):
        return None
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.pk and not f.generated)
    db = connections[db_alias]
    quote = db.ops.quote_name
    returning = db.features.can_return_columns_from_insert
    # Names from the model, every value a parameter.
    columns, marks = ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return _InsertPlan(sql, fields, returning)
