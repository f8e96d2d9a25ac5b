from odoo import fields, models, tools
from odoo.tools import SQL

# Age buckets of an amount, by days late; the keys sort in the buckets' order
# (graph and pivot order the groups by key).
AGE_BUCKETS = [
    ("0_not_due", "Not due"),
    ("1_1_30", "1-30 days"),
    ("2_31_60", "31-60 days"),
    ("3_61_90", "61-90 days"),
    ("4_over_90", "Over 90 days"),
]
# Month ends shown: this month (as of today) and the twelve before it, the
# oldest one being the opening balance of the DSO report's first month.
MONTHS_BACK = 12


def age_bucket_sql(days):
    """The `AGE_BUCKETS` key of `days` late (an SQL expression)."""
    return SQL(
        """CASE WHEN %(days)s <= 0 THEN '0_not_due'
                WHEN %(days)s <= 30 THEN '1_1_30'
                WHEN %(days)s <= 60 THEN '2_31_60'
                WHEN %(days)s <= 90 THEN '3_61_90'
                ELSE '4_over_90' END""",
        days=days,
    )


class AccountDunningReportAging(models.Model):
    """What each customer invoice still owed at each month end, and how late it
    was then: the overdue amount by age bucket, month by month.

    An invoice's amount due at a month end is what it owes today plus the
    payments and credit notes matched with it after that day (their partial
    reconciliation's `max_date`): the ledger as it stood, without replaying
    it. The current month stands as of today, in the company's time zone."""

    _name = "account.dunning.report.aging"
    _inherit = ["account.dunning.report.mixin"]
    _description = "Dunning dashboard: amount due by age, month by month"
    _auto = False
    _order = "date desc, age_bucket, partner_id"

    date = fields.Date(
        string="Month end",
        readonly=True,
        help="Last day of the month, today for the current month.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    date_due = fields.Date(string="Due date", readonly=True)
    days_late = fields.Integer(
        string="Days late", readonly=True, aggregator="max", help="At the month end."
    )
    age_bucket = fields.Selection(AGE_BUCKETS, string="Age", readonly=True)
    amount_residual = fields.Monetary(string="Amount due", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        Rule = self.env["account.dunning.rule"]
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH months AS (
                    SELECT c.id AS company_id, n.n,
                           LEAST((DATE_TRUNC('month', %(today)s)
                                  - MAKE_INTERVAL(months => n.n)
                                  + INTERVAL '1 month - 1 day')::date,
                                 %(today)s) AS as_of
                      FROM res_company c
                     CROSS JOIN GENERATE_SERIES(0, %(back)s) AS n(n)
                ), paid AS (
                    -- each invoice's payments after the oldest month end:
                    -- the first and last dates, their total and the lot
                    SELECT l.move_id,
                           MIN(p.max_date) AS first_date,
                           MAX(p.max_date) AS last_date,
                           SUM(p.amount) AS amount,
                           ARRAY_AGG(p.max_date) AS dates,
                           ARRAY_AGG(p.amount) AS amounts
                      FROM account_partial_reconcile p
                      JOIN account_move_line l ON l.id = p.debit_move_id
                     WHERE l.display_type = 'payment_term'
                       AND p.max_date > (SELECT MIN(mo.as_of) FROM months mo)
                  GROUP BY l.move_id
                ), inv AS (
                    SELECT m.id, m.company_id, m.commercial_partner_id,
                           m.invoice_date, m.invoice_date_due,
                           m.amount_residual, m.amount_residual_signed,
                           paid.first_date, paid.last_date, paid.amount AS paid,
                           paid.dates, paid.amounts
                      FROM account_move m
                 LEFT JOIN paid ON paid.move_id = m.id
                     WHERE m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND (m.amount_residual > 0 OR paid.move_id IS NOT NULL)
                ), due AS (
                    -- what it owed then: what it owes today plus what was
                    -- paid after (all, none, or the payments after that day)
                    SELECT inv.id AS move_id, inv.company_id,
                           inv.commercial_partner_id AS partner_id,
                           inv.invoice_date_due AS date_due, mo.n, mo.as_of,
                           mo.as_of - inv.invoice_date_due AS days_late,
                           inv.amount_residual_signed + CASE
                               WHEN inv.last_date IS NULL
                                 OR inv.last_date <= mo.as_of THEN 0
                               WHEN inv.first_date > mo.as_of THEN inv.paid
                               ELSE (SELECT SUM(pay.amount)
                                       FROM UNNEST(inv.dates, inv.amounts)
                                            AS pay(date, amount)
                                      WHERE pay.date > mo.as_of)
                           END AS amount_residual
                      FROM inv
                      JOIN months mo ON mo.company_id = inv.company_id
                                    AND inv.invoice_date <= mo.as_of
                     -- still open then: open today, or paid off after
                     WHERE inv.amount_residual > 0 OR inv.last_date > mo.as_of
                )
                SELECT due.move_id::bigint * 16 + due.n AS id,
                       due.as_of AS date,
                       due.company_id,
                       due.move_id,
                       due.partner_id,
                       due.date_due,
                       GREATEST(due.days_late, 0) AS days_late,
                       %(bucket)s AS age_bucket,
                       due.amount_residual,
                       CASE WHEN due.days_late > 0 THEN due.amount_residual
                            ELSE 0 END AS overdue_amount
                  FROM due
                 WHERE due.amount_residual > 0
                )
                """,
                table=SQL.identifier(self._table),
                today=Rule._get_company_today_sql("c"),
                back=MONTHS_BACK,
                bucket=age_bucket_sql(SQL("due.days_late")),
            )
        )
