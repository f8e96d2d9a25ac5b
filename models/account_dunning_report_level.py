from odoo import fields, models, tools
from odoo.tools import SQL


class AccountDunningReportLevel(models.Model):
    """The overdue invoices today by the level they reached: the level of an
    invoice is its reminder state's (`account.dunning.move.state`, read from
    the history), "none" for an invoice never reminded."""

    _name = "account.dunning.report.level"
    _inherit = ["account.dunning.report.mixin"]
    _description = "Dunning dashboard: overdue amount by level reached"
    _auto = False
    _order = "days_late desc, id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one(
        "account.dunning.level", string="Level reached", readonly=True
    )
    last_date = fields.Date(string="Last reminder", readonly=True)
    date_due = fields.Date(string="Due date", readonly=True)
    days_late = fields.Integer(string="Days late", readonly=True, aggregator="max")
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        Rule = self.env["account.dunning.rule"]
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH today AS MATERIALIZED (
                    SELECT c.id AS company_id, %(today)s AS day
                      FROM res_company c
                )
                SELECT m.id,
                       m.company_id,
                       m.id AS move_id,
                       m.commercial_partner_id AS partner_id,
                       st.level_id,
                       st.last_date,
                       m.invoice_date_due AS date_due,
                       t.day - m.invoice_date_due AS days_late,
                       m.amount_residual_signed AS overdue_amount
                  FROM account_move m
                  JOIN today t ON t.company_id = m.company_id
             -- each invoice's own history (index on the lines' invoice)
             LEFT JOIN LATERAL (
                       SELECT s.level_id, s.last_date FROM %(state)s s
                        WHERE s.id = m.id
                       ) st ON TRUE
                 WHERE %(open)s
                   AND m.invoice_date_due < t.day
                )
                """,
                table=SQL.identifier(self._table),
                today=Rule._get_company_today_sql("c"),
                state=SQL.identifier(self.env["account.dunning.move.state"]._table),
                open=Rule._get_open_invoice_sql("m"),
            )
        )
