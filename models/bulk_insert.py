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
