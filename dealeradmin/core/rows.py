"""Plain SELECT, INSERT and UPDATE statements written directly, for the hottest paths (the
webhook, the edit page).

A delivery reads and writes a handful of rows, and building those statements through the ORM
cost five times what the database took to run them. Values go through each field's own
preparation (`pre_save`, `get_db_prep_save`) on the way in and its converters on the way out,
as the ORM's compiler does, and are bound as parameters.

Reads that do not depend on one another can be made as `Read`s and run together by
`read_all`, and writes as `Write`s run by `write_all`: on PostgreSQL they go out in one
round trip (psycopg's pipeline mode), and each is still one query, counted and logged as
any other.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache

from django.db import connection
from django.db.models import Field, Model


def _quote(name: str) -> str:
    return _quoted(name, connection.vendor)


@cache
def _quoted(name: str, vendor: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _insert(model: type[Model], with_pk: bool, vendor: str) -> tuple[list[Field], str]:
    """The fields an INSERT sets and its statement up to VALUES."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if with_pk or f is not meta.auto_field]
    return fields, (
        f"INSERT INTO {_quote(meta.db_table)} ({', '.join(_quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )


def insert_row(instance: Model, *, on_conflict: str = "") -> None:
    """INSERTs `instance` with every concrete field (defaults and auto_now included).

    `on_conflict`: an ON CONFLICT clause to end the statement with (SQLite and PostgreSQL
    both take one)."""
    insert_rows([instance], on_conflict=on_conflict)


def insert_rows(instances: list[Model], *, on_conflict: str = "") -> None:
    """INSERTs instances of one model, as `insert_row` does each; an automatic primary key
    left unset is left to the database."""
    if not instances:
        return
    fields, insert = _insert(type(instances[0]), instances[0].pk is not None, connection.vendor)
    rows = [
        [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
        for instance in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"{insert} {on_conflict}", rows)


@dataclass(frozen=True)
class Write:
    """One INSERT, UPDATE or DELETE not yet run; `took`, if set, is given the rows it returns
    (RETURNING), or where the database returns none, the id of the row it inserted."""

    sql: str
    params: list
    took: Callable[[list[tuple]], None] | None = None


def write_all(writes: list[Write]) -> list[int]:
    """Runs the writes in order and gives the rows each changed. On PostgreSQL they are sent in
    one pipeline: inside a transaction, its BEGIN goes with them."""
    if connection.vendor != "postgresql" or len(writes) < 2:
        counts = []
        for write in writes:
            with connection.cursor() as cursor:
                cursor.execute(write.sql, write.params)
                counts.append(cursor.rowcount)
                if write.took is not None:
                    write.took(cursor.fetchall() if cursor.description else [(cursor.lastrowid,)])
        return counts
    connection.ensure_connection()
    cursors = [connection.cursor() for _ in writes]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for write, cursor in zip(writes, cursors, strict=True):
                cursor.execute(write.sql, write.params)
        for write, cursor in zip(writes, cursors, strict=True):
            if write.took is not None:
                write.took(cursor.fetchall())
        return [cursor.rowcount for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def update_write(
    model: type[Model],
    pk,
    values: dict,
    *,
    increment: tuple[str, ...] = (),
    unless_changed: tuple[str, int, dict] | None = None,
) -> Write:
    """An UPDATE of the row whose primary key is `pk`: `values` by field name, and each field
    named in `increment` plus one.

    `unless_changed` is (field, value, {field: value}): the fields in the dict are set only
    while the first field still holds that value (a CASE, so the row is read and written in
    one statement)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in values]
    assignments = [f"{_quote(field.column)} = %s" for field in fields]
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    if unless_changed is not None:
        guard_name, guard_value, guarded = unless_changed
        guard = _quote(meta.get_field(guard_name).column)
        for name, value in guarded.items():
            field = meta.get_field(name)
            column = _quote(field.column)
            assignments.append(f"{column} = CASE WHEN {guard} = %s THEN %s ELSE {column} END")
            params += [guard_value, field.get_db_prep_save(value, connection)]
    assignments += [
        f"{_quote(column)} = {_quote(column)} + 1"
        for column in (meta.get_field(name).column for name in increment)
    ]
    return Write(
        f"UPDATE {_quote(meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {_quote(meta.pk.column)} = %s",
        [*params, pk],
    )


def update_row(model: type[Model], pk, values: dict, **options) -> int:
    """Runs `update_write(model, pk, values, **options)`; returns the rows it changed (0 or 1)."""
    return write_all([update_write(model, pk, values, **options)])[0]


def create_row(instance: Model) -> Model:
    """INSERTs `instance`, as `insert_row` does, and gives it the primary key the database
    chose; returns it."""
    write_all([insert_write(instance)])
    return instance


def insert_write(instance: Model) -> Write:
    """The INSERT `create_row` runs, to run with other writes: once run, `instance` has the
    primary key the database chose."""
    fields, insert = _insert(type(instance), False, connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    if connection.features.can_return_columns_from_insert:
        insert += f" RETURNING {_quote(instance._meta.pk.column)}"

    def took(rows: list[tuple]) -> None:
        instance.pk = rows[0][0]
        instance._state.adding = False
        instance._state.db = connection.alias

    return Write(insert, params, took)


@dataclass(frozen=True)
class Read:
    """One SELECT not yet run: its statement, its parameters, the fields its columns hold (their
    converters apply), and what turns the converted rows into the value wanted. A statement
    of None matches nothing."""

    sql: str | None
    params: list
    fields: list[Field]
    load: Callable[[list[tuple]], object] = dataclass_field(default=list)


def read_all(reads: list[Read]) -> list:
    """What each read loads, in order. On PostgreSQL the statements are sent in one pipeline
    and their results read after: one round trip for all of them instead of one each."""
    if connection.vendor != "postgresql" or sum(read.sql is not None for read in reads) < 2:
        return [read.load(_rows(read)) for read in reads]
    connection.ensure_connection()
    cursors = [connection.cursor() if read.sql is not None else None for read in reads]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for read, cursor in zip(reads, cursors, strict=True):
                if cursor is not None:
                    cursor.execute(read.sql, read.params)
        return [
            read.load(_convert(cursor.fetchall(), read.fields) if cursor is not None else [])
            for read, cursor in zip(reads, cursors, strict=True)
        ]
    finally:
        for cursor in cursors:
            if cursor is not None:
                cursor.close()


def _rows(read: Read) -> list[tuple]:
    return fetch(read.sql, read.params, read.fields) if read.sql is not None else []


def rows_read(
    model: type[Model],
    names: tuple[str, ...],
    where: dict,
    *,
    order_by: tuple[str, ...] = (),
    limit: int | None = None,
    for_update: bool = False,
) -> Read:
    """A read of the values of fields `names` in the rows where each field in `where` equals
    its value (is one of them, for a list), as the ORM would give them; `order_by` names
    fields, "-" first for descending. `for_update` locks the rows where the database can
    (PostgreSQL)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    if any(value == [] for value in where.values()):
        return Read(None, [], fields)  # IN () matches nothing
    conditions, params = _where(meta, where)
    sql = (
        f"SELECT {', '.join(_quote(field.column) for field in fields)} "
        f"FROM {_quote(meta.db_table)} WHERE {conditions}"
    )
    if order_by:
        sql += f" ORDER BY {order_sql(model, order_by)}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return Read(sql, params, fields)


def order_sql(model: type[Model], order_by: tuple[str, ...], alias: str = "") -> str:
    """`order_by` (field names, "-" first for descending) as an ORDER BY list, each column
    prefixed with `alias.` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        f"{prefix}{_quote(model._meta.get_field(name.lstrip('-')).column)}"
        + (" DESC" if name.startswith("-") else "")
        for name in order_by
    )


def select_rows(model: type[Model], names: tuple[str, ...], where: dict, **options) -> list[tuple]:
    """The rows `rows_read(model, names, where, **options)` reads, read now."""
    return _rows(rows_read(model, names, where, **options))


def instances_read(model: type[Model], names: tuple[str, ...], where: dict, **options) -> Read:
    """As `rows_read`, loading model instances (as the ORM would) instead of tuples."""
    read = rows_read(model, names, where, **options)
    return Read(read.sql, read.params, read.fields, lambda rows: instances(model, rows, names))


def _where(meta, where: dict) -> tuple[str, list]:
    """`where` as SQL conditions (each field equal to its value, or IN a list) and params."""
    conditions, params = [], []
    for name, value in where.items():
        field = meta.get_field(name)
        column = _quote(field.column)
        if isinstance(value, list):
            conditions.append(f"{column} IN ({', '.join(['%s'] * len(value))})")
            params += [field.get_db_prep_value(item, connection) for item in value]
        else:
            conditions.append(f"{column} = %s")
            params.append(field.get_db_prep_value(value, connection))
    return " AND ".join(conditions), params


def fetch(sql: str, params: list, fields: list[Field]) -> list[tuple]:
    """The rows of `sql`, whose columns hold `fields` in order, converted as the ORM would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _convert(cursor.fetchall(), fields)


def _convert(rows: list[tuple], fields: list[Field]) -> list[tuple]:
    # Only the columns that have converters are touched: a row of the audit history has
    # thirteen values and two or three to convert.
    converting = [
        (index, reading)
        for index, reading in enumerate(_reading(field, connection.vendor) for field in fields)
        if reading[1]
    ]
    if not converting:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, reading in converting:
            values[index] = _converted(values[index], reading)
        converted.append(tuple(values))
    return converted


@cache
def _reading(field: Field, vendor: str) -> tuple:
    """The column expression and the converters the ORM applies to a value read from `field`.
    (The vendor is in the key so one process's tests on two databases never share them.)"""
    column = field.get_col(field.model._meta.db_table)
    return column, (*connection.ops.get_db_converters(column), *field.get_db_converters(connection))


def _converted(value, reading: tuple):
    column, converters = reading
    for converter in converters:
        value = converter(value, column, connection)
    return value


def instances(model: type[Model], rows: list[tuple], names: tuple[str, ...]) -> list[Model]:
    """Model instances from `select_rows(model, names, …)`, as the ORM would load them.
    `names` in the model's field order: Model.from_db takes the values of some of the
    fields in that order."""
    attnames = [model._meta.get_field(name).attname for name in names]
    return [model.from_db(connection.alias, attnames, row) for row in rows]


def columns(model: type[Model], alias: str) -> tuple[tuple[str, ...], list[Field], str]:
    """Every concrete field of `model`: names, fields, and the SELECT list `alias.column, …`."""
    fields = list(model._meta.concrete_fields)
    listed = ", ".join(f"{alias}.{_quote(field.column)}" for field in fields)
    return tuple(field.name for field in fields), fields, listed


def with_one_read(model: type[Model], related: type[Model], pointing: str, where: dict) -> Read:
    """A read of the instances of `model` where each field in `where` equals its value, each
    with the one `related` row whose field `pointing` points at it (None where there is none),
    in one LEFT JOIN: what select_related reads for a reverse one-to-one."""
    names, related_names, fields, sql = _with_one(
        model, related, pointing, tuple(where), connection.vendor
    )
    meta = model._meta
    params = [
        meta.get_field(name).get_db_prep_value(value, connection) for name, value in where.items()
    ]
    split = len(names)

    def load(rows: list[tuple]) -> list[tuple[Model, Model | None]]:
        return [
            (
                instances(model, [row[:split]], names)[0],
                instances(related, [row[split:]], related_names)[0]
                if row[split] is not None
                else None,
            )
            for row in rows
        ]

    return Read(sql, params, fields, load)


def select_with_one(
    model: type[Model], related: type[Model], pointing: str, where: dict
) -> list[tuple[Model, Model | None]]:
    """What `with_one_read` reads, read now."""
    read = with_one_read(model, related, pointing, where)
    return read.load(_rows(read))


@cache
def _with_one(model, related, pointing: str, where: tuple[str, ...], vendor: str) -> tuple:
    """select_with_one's statement, built once per shape."""
    names, fields, listed = columns(model, "m")
    related_names, related_fields, related_listed = columns(related, "r")
    meta = model._meta
    link = _quote(related._meta.get_field(pointing).column)
    conditions = " AND ".join(f"m.{_quote(meta.get_field(name).column)} = %s" for name in where)
    sql = (
        f"SELECT {listed}, {related_listed} FROM {_quote(meta.db_table)} m "
        f"LEFT JOIN {_quote(related._meta.db_table)} r ON r.{link} = m.{_quote(meta.pk.column)} "
        f"WHERE {conditions}"
    )
    return names, related_names, [*fields, *related_fields], sql
