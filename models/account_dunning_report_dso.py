from odoo import fields, models, tools
from odoo.tools import SQL

from .account_dunning_report_aging import MONTHS_BACK

# Days of sales the DSO is measured over (about three months).
DSO_DAYS = 91


class AccountDunningReportDso(models.Model):
    """Days sales outstanding and collection effectiveness index of each
    company, month by month over the last twelve months.

    - DSO = amount due at the month end / sales of the 91 days up to that day
      × 91 (a rolling quarter, so the current month to date reads as the
      others);
    - CEI = (opening amount due + sales of the month − closing amount due)
      / (opening amount due + sales of the month − closing amount not due)
      × 100, the share of what could be collected that was.

    Amounts due are the age report's (`account.dunning.report.aging`), sales
    the customer invoices posted (invoice date, company currency, untaxed and
    taxes included as the amount due is)."""

    _name = "account.dunning.report.dso"
    _inherit = ["account.dunning.report.mixin"]
    _description = "Dunning dashboard: DSO and collection effectiveness"
    _auto = False
    _order = "date desc, company_id"

    date = fields.Date(string="Month end", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_opening = fields.Monetary(
        string="Due at opening", readonly=True, help="At the previous month end."
    )
    sales = fields.Monetary(string="Sales of the month", readonly=True)
    amount_residual = fields.Monetary(string="Due at month end", readonly=True)
    amount_not_due = fields.Monetary(string="Not due at month end", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue at month end", readonly=True)
    sales_quarter = fields.Monetary(string="Sales of the last 91 days", readonly=True)
    dso = fields.Float(
        string="DSO (days)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Amount due at the month end / sales of the last 91 days × 91.",
    )
    cei = fields.Float(
        string="CEI (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="(Due at opening + sales − due at month end) / (due at opening + "
        "sales − not due at month end) × 100.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH months AS (
                    SELECT c.id AS company_id, n.n,
                           LEAST((DATE_TRUNC('month', %(today)s)
                                  - MAKE_INTERVAL(months => n.n)
                                  + INTERVAL '1 month - 1 day')::date,
                                 %(today)s) AS date
                      FROM res_company c
                     CROSS JOIN GENERATE_SERIES(0, %(back)s) AS n(n)
                ), due AS (
                    SELECT a.company_id, a.date,
                           SUM(a.amount_residual) AS amount_residual,
                           SUM(a.amount_residual)
                               FILTER (WHERE a.age_bucket = '0_not_due')
                               AS amount_not_due
                      FROM %(aging)s a
                  GROUP BY a.company_id, a.date
                ), ends AS (
                    SELECT mo.company_id, mo.n, mo.date,
                           opening.date AS date_opening,
                           COALESCE(due_opening.amount_residual, 0)
                               AS amount_opening,
                           COALESCE(due.amount_residual, 0) AS amount_residual,
                           COALESCE(due.amount_not_due, 0) AS amount_not_due
                      FROM months mo
                      JOIN months opening ON opening.company_id = mo.company_id
                                         AND opening.n = mo.n + 1
                 LEFT JOIN due ON due.company_id = mo.company_id
                              AND due.date = mo.date
                 LEFT JOIN due due_opening
                        ON due_opening.company_id = opening.company_id
                       AND due_opening.date = opening.date
                ), daily AS (
                    -- customer invoices by day, from the first day counted
                    SELECT m.company_id, m.invoice_date,
                           SUM(m.amount_total_signed) AS amount
                      FROM account_move m
                     WHERE m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.invoice_date > (
                           SELECT MIN(mo.date) FROM months mo) - %(days)s
                  GROUP BY m.company_id, m.invoice_date
                ), sales AS (
                    SELECT e.company_id, e.n,
                           COALESCE(SUM(d.amount)
                               FILTER (WHERE d.invoice_date > e.date_opening), 0)
                               AS sales,
                           COALESCE(SUM(d.amount)
                               FILTER (WHERE d.invoice_date > e.date - %(days)s),
                               0) AS sales_quarter
                      FROM ends e
                 LEFT JOIN daily d
                        ON d.company_id = e.company_id
                       AND d.invoice_date > LEAST(e.date_opening,
                                                  e.date - %(days)s)
                       AND d.invoice_date <= e.date
                  GROUP BY e.company_id, e.n
                )
                SELECT e.company_id::bigint * 16 + e.n AS id,
                       e.date,
                       e.company_id,
                       e.amount_opening,
                       s.sales,
                       e.amount_residual,
                       e.amount_not_due,
                       e.amount_residual - e.amount_not_due AS overdue_amount,
                       s.sales_quarter,
                       ROUND(e.amount_residual * %(days)s
                             / NULLIF(s.sales_quarter, 0), 1) AS dso,
                       ROUND(100 * (e.amount_opening + s.sales - e.amount_residual)
                             / NULLIF(e.amount_opening + s.sales
                                      - e.amount_not_due, 0), 1) AS cei
                  FROM ends e
                  JOIN sales s ON s.company_id = e.company_id AND s.n = e.n
                )
                """,
                table=SQL.identifier(self._table),
                today=self.env["account.dunning.rule"]._get_company_today_sql("c"),
                back=MONTHS_BACK,
                aging=SQL.identifier(self.env["account.dunning.report.aging"]._table),
                days=DSO_DAYS,
            )
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_report_moves(self):
        """The invoices that made up the amount due at these month ends."""
        ends = {(row.company_id.id, row.date) for row in self}
        rows = self.env["account.dunning.report.aging"].search(
            [
                ("company_id", "in", self.company_id.ids),
                ("date", "in", [date for _company, date in ends]),
            ]
        )
        return rows.filtered(lambda row: (row.company_id.id, row.date) in ends).move_id
