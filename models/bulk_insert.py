"""Multi-row INSERTs for the nightly job's tens of thousands of rows.

The ORM's `create` costs about a millisecond a record (defaults, computes,
mail thread); the engine writes reminders, their lines and call activities
by the thousand, with values it has already computed and checked.
"""

from odoo.tools import SQL


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
                SQL("%s::%s[]", values, SQL(sql_type))
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
            ids=list(records.ids),
            values=[null(value) for value in values],
            type=SQL(sql_type),
        )
    )
    records.invalidate_recordset([fname])
