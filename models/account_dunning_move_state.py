from odoo import fields, models, tools
from odoo.tools import SQL

from .account_dunning_action import VALIDATED_STATES


class AccountDunningMoveState(models.Model):
    """Where each invoice stands in its reminders, derived from the history.

    An invoice's level is the level of its last reminder sent or waiting to be
    printed: the history already says it, so it is read from there instead of
    being copied onto the invoice. The nightly job would otherwise rewrite tens
    of thousands of rows of ``account_move`` (one of Odoo's widest tables, thirty
    indexes) and lock them until its batch commits. One row per invoice ever
    reminded; its id is the invoice's.
    """

    _name = "account.dunning.move.state"
    _description = "Reminder state of an invoice"
    _auto = False
    _order = "id"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    level_id = fields.Many2one(
        "account.dunning.level", string="Dunning level", readonly=True
    )
    last_date = fields.Date(string="Last reminder", readonly=True)
    reminder_count = fields.Integer(string="Reminders", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The level of the most recent reminder (the highest one that day);
        # reminders are counted by day, an email and a letter sent together
        # being one reminder. Queued emails, reminders to confirm, failed or
        # cancelled ones do not count.
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS (
                    SELECT l.move_id AS id,
                           l.move_id,
                           (ARRAY_AGG(l.level_id
                                ORDER BY l.date DESC, lv.delay DESC, l.id DESC))[1]
                               AS level_id,
                           MAX(l.date) AS last_date,
                           COUNT(DISTINCT l.date) AS reminder_count
                      FROM account_dunning_action_line l
                      JOIN account_dunning_level lv ON lv.id = l.level_id
                     WHERE l.state IN %(states)s
                  GROUP BY l.move_id
                )
                """,
                table=SQL.identifier(self._table),
                states=VALIDATED_STATES,
            )
        )

    def _column_sql(self, column, move_alias):
        """The state's `column` for the invoice of the query's `move_alias`, as
        a correlated subquery: PostgreSQL reads that invoice's history only
        (index on the lines' invoice)."""
        self.env["account.dunning.action.line"].flush_model(
            ["move_id", "level_id", "state", "date"]
        )
        return SQL(
            "(SELECT s.%s FROM %s s WHERE s.id = %s)",
            SQL.identifier(column),
            SQL.identifier(self._table),
            SQL.identifier(move_alias, "id"),
        )

    def _read_states(self, move_ids):
        """{invoice id: (level id, last date, reminder count)}, one query."""
        if not move_ids:
            return {}
        self.env["account.dunning.action.line"].flush_model(
            ["move_id", "level_id", "state", "date"]
        )
        self.env.cr.execute(
            SQL(
                "SELECT id, level_id, last_date, reminder_count FROM %s"
                " WHERE id = ANY(%s)",
                SQL.identifier(self._table),
                list(move_ids),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}
