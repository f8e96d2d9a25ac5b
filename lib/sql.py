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


# Columns of the reminders written by `insert_reminders`, with their types.
ACTION_BULK_COLUMNS = [
    ("company_id", "int4"),
    ("partner_id", "int4"),
    ("level_id", "int4"),
    ("date", "date"),
    ("channel", "varchar"),
    ("user_id", "int4"),
    ("run_id", "int4"),
    ("amount_due", "numeric"),
    ("error_message", "text"),
    ("validated_date", "timestamp"),
    ("validated_by_id", "int4"),
    ("activity_id", "int4"),
    ("send_mode", "varchar"),
    ("note", "text"),
]
# Columns of the credits a reminder deducts (`lib.snapshot.Credit`).
CREDIT_BULK_COLUMNS = [
    ("move_id", "int4"),
    ("name", "varchar"),
    ("ref", "varchar"),
    ("date", "date"),
    ("kind", "varchar"),
    ("currency_id", "int4"),
    ("amount", "numeric"),
    ("amount_company", "numeric"),
]
LINE_BULK_COLUMNS = [
    ("move_id", "int4"),
    ("level_id", "int4"),
    ("date_due", "date"),
    ("days_overdue", "int4"),
    ("amount_total", "numeric"),
    ("amount_residual", "numeric"),
]


def insert_reminders(cr, vals_list, uid):
    """Reminders of the night (`account.dunning.action._create_bulk`) with
    their recipients, invoice lines and the credits they deduct, in four
    INSERTs; returns the new ids. `vals_list` as `_create_bulk` takes it."""
    now = cr.now()
    ids = next_ids(cr, "account_dunning_action", len(vals_list))
    insert_columns(
        cr,
        "account_dunning_action",
        {
            "id": (ids, "int4"),
            **{
                name: ([null(vals.get(name)) for vals in vals_list], sql_type)
                for name, sql_type in ACTION_BULK_COLUMNS
            },
            "state": (
                [vals.get("state", "draft") for vals in vals_list],
                "varchar",
            ),
        },
        uid,
        now,
    )
    contacts = [
        (action_id, contact_id)
        for action_id, vals in zip(ids, vals_list, strict=True)
        for contact_id in dict.fromkeys(vals.get("contact_ids") or ())
    ]
    insert_columns(
        cr,
        "account_dunning_action_contact_rel",
        {
            "action_id": ([row[0] for row in contacts], "int4"),
            "partner_id": ([row[1] for row in contacts], "int4"),
        },
    )
    lines = [
        (action_id, vals, line)
        for action_id, vals in zip(ids, vals_list, strict=True)
        for line in vals.get("line_ids") or ()
    ]
    insert_columns(
        cr,
        "account_dunning_action_line",
        {
            "action_id": ([row[0] for row in lines], "int4"),
            "state": ([row[1].get("state", "draft") for row in lines], "varchar"),
            "channel": ([row[1]["channel"] for row in lines], "varchar"),
            "date": ([row[1]["date"] for row in lines], "date"),
            **{
                name: ([null(row[2].get(name)) for row in lines], sql_type)
                for name, sql_type in LINE_BULK_COLUMNS
            },
        },
    )
    credits = [
        (action_id, credit)
        for action_id, vals in zip(ids, vals_list, strict=True)
        for credit in vals.get("credits") or ()
    ]
    insert_columns(
        cr,
        "account_dunning_action_credit",
        {
            "action_id": ([row[0] for row in credits], "int4"),
            **{
                name: ([getattr(row[1], name) for row in credits], sql_type)
                for name, sql_type in CREDIT_BULK_COLUMNS
            },
        },
    )
    return ids
