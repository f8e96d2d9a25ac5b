from odoo import fields, models, tools
from odoo.tools import SQL

DISPUTE_AGES = [
    ("1_0_30", "0-30 days"),
    ("2_31_60", "31-60 days"),
    ("3_61_90", "61-90 days"),
    ("4_over_90", "Over 90 days"),
]


class AccountDunningReportDispute(models.Model):
    """Disputes by age and reason, with what their invoices still owe. The age
    runs until the dispute was closed, to today while it is open."""

    _name = "account.dunning.report.dispute"
    _description = "Dunning dashboard: disputes by age and reason"
    _auto = False
    _order = "age desc, id"

    dispute_id = fields.Many2one("account.dunning.dispute", readonly=True)
    date = fields.Date(string="Opened on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    reason_id = fields.Many2one("account.dunning.reason", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        readonly=True,
    )
    age = fields.Integer(string="Age (days)", readonly=True, aggregator="max")
    age_bucket = fields.Selection(DISPUTE_AGES, string="Age", readonly=True)
    amount_residual = fields.Monetary(string="Amount in dispute", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        Rule = self.env["account.dunning.rule"]
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH disputes AS (
                    SELECT d.*,
                           COALESCE(d.resolved_date, %(today)s) - d.date AS days
                      FROM account_dunning_dispute d
                      JOIN res_company c ON c.id = d.company_id
                )
                SELECT d.id,
                       d.id AS dispute_id,
                       d.date,
                       d.company_id,
                       d.partner_id,
                       d.reason_id,
                       d.user_id,
                       d.state,
                       d.days AS age,
                       CASE WHEN d.days <= 30 THEN '1_0_30'
                            WHEN d.days <= 60 THEN '2_31_60'
                            WHEN d.days <= 90 THEN '3_61_90'
                            ELSE '4_over_90' END AS age_bucket,
                       COALESCE((
                           SELECT SUM(m.amount_residual_signed)
                             FROM account_dunning_dispute_move_rel rel
                             JOIN account_move m ON m.id = rel.move_id
                            WHERE rel.dispute_id = d.id), 0) AS amount_residual
                  FROM disputes d
                )
                """,
                table=SQL.identifier(self._table),
                today=Rule._get_company_today_sql("c"),
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_disputes(self):
        """The selected disputes in the disputes list."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_dispute_action"
        )
        action["domain"] = [("id", "in", self.dispute_id.ids)]
        action["context"] = {"create": False}
        return action
