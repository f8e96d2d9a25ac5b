from odoo import api, fields, models
from odoo.tools import SQL

from .account_dunning_action import ACTIVE_STATES, CHANNELS, LINE_ONCE_INDEX, STATES


class AccountDunningActionLine(models.Model):
    """An invoice in a reminder, with the level it reaches and what it owed then."""

    _name = "account.dunning.action.line"
    _description = "Invoice reminded"
    _order = "action_id, date_due, id"
    # Written by the tens of thousands a night, each foreign key costing a
    # lookup per row: who and when are the reminder's, and company, customer
    # and currency are read through the reminder and the invoice.
    _log_access = False

    action_id = fields.Many2one(
        "account.dunning.action", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    level_id = fields.Many2one("account.dunning.level", required=True, index=True)
    # Copies of the action's fields, written with the line in one INSERT: the
    # unique index below and the invoices' reminder state read them; the
    # action's write() keeps `state` in step.
    channel = fields.Selection(CHANNELS, required=True)
    state = fields.Selection(STATES, required=True, default="draft", readonly=True)
    date = fields.Date(required=True)
    company_id = fields.Many2one(related="action_id.company_id")
    partner_id = fields.Many2one(related="action_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="move_id.currency_id")
    date_due = fields.Date(string="Due date")
    days_overdue = fields.Integer(string="Days late")
    amount_total = fields.Monetary(string="Invoice total")
    amount_residual = fields.Monetary(string="Amount due")

    @api.model_create_multi
    def create(self, vals_list):
        actions = self.env["account.dunning.action"].browse(
            {vals["action_id"] for vals in vals_list if vals.get("action_id")}
        )
        by_id = {action.id: action for action in actions}
        for vals in vals_list:
            action = by_id.get(vals.get("action_id"))
            if not action:
                continue
            vals.setdefault("channel", action.channel)
            vals.setdefault("state", action.state)
            vals.setdefault("date", action.date)
        return super().create(vals_list)

    def init(self):
        super().init()
        # One invoice reaches one level through one channel only once (the run, the
        # wizard and concurrent workers all rely on this). An index of an older
        # version, without every active state, is rebuilt.
        self.env.cr.execute(
            SQL("SELECT indexdef FROM pg_indexes WHERE indexname = %s", LINE_ONCE_INDEX)
        )
        row = self.env.cr.fetchone()
        if row and any(f"'{state}'" not in row[0] for state in ACTIVE_STATES):
            self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(LINE_ONCE_INDEX)))
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS %s
                    ON account_dunning_action_line (move_id, level_id, channel)
                 WHERE state IN %s
                """,
                SQL.identifier(LINE_ONCE_INDEX),
                ACTIVE_STATES,
            )
        )
