from odoo import fields, models, tools
from odoo.tools import SQL

from .account_dunning_promise import PROMISE_CHANNELS


class AccountDunningReportPromise(models.Model):
    """Promises of payment, kept or broken, by when they were obtained, by
    whom and through which channel."""

    _name = "account.dunning.report.promise"
    _description = "Dunning dashboard: promises kept and broken"
    _auto = False
    _order = "date desc, id desc"

    promise_id = fields.Many2one("account.dunning.promise", readonly=True)
    date = fields.Date(string="Obtained on", readonly=True)
    date_promised = fields.Date(string="Promised date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    channel = fields.Selection(PROMISE_CHANNELS, string="Obtained by", readonly=True)
    state = fields.Selection(
        [
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        readonly=True,
    )
    amount = fields.Monetary(string="Amount promised", readonly=True)
    kept_count = fields.Integer(string="Kept", readonly=True)
    broken_count = fields.Integer(string="Broken", readonly=True)
    kept_rate = fields.Float(
        string="Kept (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the promises checked (kept or broken) that were kept.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT pr.id,
                       pr.id AS promise_id,
                       pr.create_date::date AS date,
                       pr.date AS date_promised,
                       pr.company_id,
                       pr.partner_id,
                       pr.user_id,
                       pr.channel,
                       pr.state,
                       pr.amount,
                       (pr.state = 'kept')::int AS kept_count,
                       (pr.state = 'broken')::int AS broken_count,
                       CASE pr.state WHEN 'kept' THEN 100.0
                                     WHEN 'broken' THEN 0.0 END AS kept_rate
                  FROM account_dunning_promise pr
                )
                """,
                table=SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_promises(self):
        """The selected promises in the promises list."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_promise_action"
        )
        action["domain"] = [("id", "in", self.promise_id.ids)]
        action["context"] = {"create": False}
        return action
