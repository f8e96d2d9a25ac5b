"""Multi-row INSERTs for the nightly job's tens of thousands of rows.

The ORM's `create` costs about a millisecond a record (defaults, computes,
mail thread); the engine writes reminders, their lines and call activities
by the thousand, with values it has already computed and checked.
"""

from odoo.tools import SQL

# Types whose values are written in an array literal without quotes: str() of
# an int, a float or a Decimal, and of a date or a datetime (quoted for the
# space), is what PostgreSQL reads.
NUMBER_TYPES = {"int4", "int8", "numeric", "float8"}
DATE_TYPES = {"date", "timestamp"}


def null(value):
    """The ORM's False for an empty many2one or date is NULL in SQL."""
    return None if value is False else value


def next_ids(cr, table, count):
    """Reserve `count` ids of the table's sequence, in order."""
    if not count:
        return []
    cr.execute(
        SQL(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            f"{table}_id_seq",
            count,
        )
    )
    return [row[0] for row in cr.fetchall()]


def array_literal(values, sql_type=None):
    """A PostgreSQL array literal of plain values ('{1,NULL,"a b"}'): one text
    parameter that the server parses in one go. psycopg2 would send a list as
    ARRAY[...] of one quoted and cast literal per element, which costs more
    than the INSERT itself at tens of thousands of rows. Numbers and dates are
    written as they are, other values as quoted text."""
    if sql_type in NUMBER_TYPES:
        items = ("NULL" if value is None else str(value) for value in values)
    elif sql_type in DATE_TYPES:
        items = ("NULL" if value is None else f'"{value}"' for value in values)
    elif sql_type == "bool":
        items = ("NULL" if value is None else "tf"[not value] for value in values)
    else:
        items = (
            "NULL"
            if value is None
            else '"{}"'.format(str(value).replace("\\", "\\\\").replace('"', '\\"'))
            for value in values
        )
    return "{" + ",".join(items) + "}"


def insert_columns(cr, table, columns, uid=None, now=None):
    """One INSERT of many rows given column by column ({name: (values, type)}),
    as arrays: a few parameters whatever the number of rows."""
    if uid is not None:
        count = len(next(iter(columns.values()))[0])
        columns = dict(
            columns,
            create_uid=([uid] * count, "int4"),
            write_uid=([uid] * count, "int4"),
            create_date=([now] * count, "timestamp"),
            write_date=([now] * count, "timestamp"),
        )
    if not next(iter(columns.values()))[0]:
        return
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT * FROM unnest(%s)",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(
                SQL("%s::%s[]", array_literal(values, sql_type), SQL(sql_type))
                for values, sql_type in columns.values()
            ),
        )
    )


def update_records(records, vals):
    """Write the same plain values on many records in one UPDATE (the ORM
    writes a hundred rows per query). No compute, no tracking, no write()
    override runs: for columns nothing depends on, or whose dependents the
    caller updates itself."""
    if not records:
        return
    records.flush_recordset(list(vals))
    vals = dict(vals, write_uid=records.env.uid, write_date=records.env.cr.now())
    records.env.cr.execute(
        SQL(
            "UPDATE %s SET %s WHERE id IN %s",
            SQL.identifier(records._table),
            SQL(", ").join(
                SQL("%s = %s", SQL.identifier(name), null(value))
                for name, value in vals.items()
            ),
            tuple(records.ids),
        )
    )
    records.invalidate_recordset(list(vals))


def update_column(records, fname, values, sql_type="int4"):
    """Write one value per record (`values` in the order of `records`) in one
    UPDATE, with the same caveats as `update_records`."""
    if not records:
        return
    records.flush_recordset([fname])
    records.env.cr.execute(
        SQL(
            """
            UPDATE %(table)s t SET %(column)s = v.value
              FROM unnest(%(ids)s::int4[], %(values)s::%(type)s[]) AS v(id, value)
             WHERE t.id = v.id
            """,
            table=SQL.identifier(records._table),
            column=SQL.identifier(fname),
            ids=array_literal(records.ids, "int4"),
            values=array_literal([null(value) for value in values], sql_type),
            type=SQL(sql_type),
        )
    )
    records.invalidate_recordset([fname])
