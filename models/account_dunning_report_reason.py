from odoo import fields, models, tools
from odoo.tools import SQL

from .account_dunning_reason import REASON_CATEGORIES


class AccountDunningReportReason(models.Model):
    """The non-payment reasons customers gave on the phone: one row per call
    whose outcome names a reason (`account.dunning.action.reason_id`), with
    what the customer owed then, to count and sum them per reason and month."""

    _name = "account.dunning.report.reason"
    _description = "Dunning dashboard: non-payment reasons given in calls"
    _auto = False
    _order = "date desc, id desc"

    action_id = fields.Many2one("account.dunning.action", string="Call", readonly=True)
    date = fields.Date(string="Called on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Called by", readonly=True)
    reason_id = fields.Many2one(
        "account.dunning.reason", string="Reason given", readonly=True
    )
    category = fields.Selection(REASON_CATEGORIES, readonly=True)
    result = fields.Selection(
        selection=lambda self: self.env["account.dunning.action"]
        ._fields["result"]
        .selection,
        string="Outcome",
        readonly=True,
    )
    call_count = fields.Integer(string="Calls", readonly=True)
    amount = fields.Monetary(
        string="Amount due",
        readonly=True,
        help="What the customer was asked to pay on that call.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT a.id,
                       a.id AS action_id,
                       a.date,
                       a.company_id,
                       a.partner_id,
                       a.user_id,
                       a.reason_id,
                       r.category,
                       a.result,
                       1 AS call_count,
                       COALESCE(a.amount_due, 0) AS amount
                  FROM account_dunning_action a
                  JOIN account_dunning_reason r ON r.id = a.reason_id
                 WHERE a.channel = 'call' AND a.state = 'done'
                )
                """,
                table=SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_calls(self):
        """The selected calls in the reminders list."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("id", "in", self.action_id.ids)]
        action["context"] = {"create": False}
        return action
