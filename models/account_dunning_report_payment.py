from odoo import fields, models, tools
from odoo.tools import SQL

# Days after a reminder within which a payment is credited to it.
PAYMENT_WINDOWS = (7, 15, 30)


class AccountDunningReportPayment(models.Model):
    """What each level gets paid: one row per invoice reminded at a level (its
    first reminder done at that level), with what was paid on it within 7, 15
    and 30 days of that reminder.

    A payment (a bank or cash entry: credit notes and write-offs are no
    payment) is dated by its partial reconciliation with the invoice's
    receivable line (`max_date`: the later of the payment's and the invoice's
    dates). An invoice counts as paid within N days when nothing is left to
    pay and its last payment came by the reminder's date + N; the share
    (average of 100 and 0) leaves out the reminders of the last N days whose
    invoice is not paid yet, since their window is still open."""

    _name = "account.dunning.report.payment"
    _inherit = ["account.dunning.report.mixin"]
    _description = "Dunning dashboard: what each level gets paid"
    _auto = False
    _order = "date desc, id desc"

    date = fields.Date(string="Reminded on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    amount_reminded = fields.Monetary(
        string="Amount reminded", readonly=True, help="Due on the reminder's day."
    )
    paid_date = fields.Date(
        string="Paid on", readonly=True, help="Last payment, once fully paid."
    )
    amount_paid_7 = fields.Monetary(string="Paid within 7 days", readonly=True)
    amount_paid_15 = fields.Monetary(string="Paid within 15 days", readonly=True)
    amount_paid_30 = fields.Monetary(string="Paid within 30 days", readonly=True)
    paid_7_rate = fields.Float(
        string="Paid within 7 days (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the invoices reminded fully paid within 7 days.",
    )
    paid_15_rate = fields.Float(
        string="Paid within 15 days (%)", readonly=True, aggregator="avg"
    )
    paid_30_rate = fields.Float(
        string="Paid within 30 days (%)", readonly=True, aggregator="avg"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        Rule = self.env["account.dunning.rule"]
        amounts = SQL(", ").join(
            SQL(
                """COALESCE(SUM(p.amount) FILTER (
                       WHERE p.max_date BETWEEN r.date AND r.date + %(days)s), 0)
                       AS %(column)s""",
                days=days,
                column=SQL.identifier(f"amount_paid_{days}"),
            )
            for days in PAYMENT_WINDOWS
        )
        rates = SQL(", ").join(
            SQL(
                """CASE WHEN m.amount_residual = 0
                             AND paid.last_date <= r.date + %(days)s THEN 100.0
                        WHEN t.day <= r.date + %(days)s THEN NULL
                        ELSE 0.0 END AS %(column)s""",
                days=days,
                column=SQL.identifier(f"paid_{days}_rate"),
            )
            for days in PAYMENT_WINDOWS
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH today AS MATERIALIZED (
                    SELECT c.id AS company_id, %(today)s AS day
                      FROM res_company c
                ), reminded AS (
                    SELECT MIN(l.id) AS id, l.move_id, l.level_id,
                           MIN(l.date) AS date,
                           (ARRAY_AGG(l.amount_residual ORDER BY l.date, l.id))[1]
                               AS amount_reminded
                      FROM account_dunning_action_line l
                     WHERE l.state = 'done' AND l.channel != 'portal'
                  GROUP BY l.move_id, l.level_id
                ), paid AS (
                    -- the payments matched with the receivable lines of the
                    -- invoices reminded: bank and cash entries, not credit
                    -- notes nor write-offs
                    SELECT r.id,
                           %(amounts)s,
                           MAX(p.max_date) AS last_date
                      FROM reminded r
                      JOIN account_move_line ml ON ml.move_id = r.move_id
                      JOIN account_partial_reconcile p ON p.debit_move_id = ml.id
                      JOIN account_move_line pl ON pl.id = p.credit_move_id
                      JOIN account_journal j ON j.id = pl.journal_id
                     WHERE ml.display_type = 'payment_term'
                       AND j.type IN ('bank', 'cash')
                  GROUP BY r.id
                )
                SELECT r.id,
                       r.date,
                       m.company_id,
                       r.move_id,
                       m.commercial_partner_id AS partner_id,
                       r.level_id,
                       r.amount_reminded,
                       CASE WHEN m.amount_residual = 0 THEN paid.last_date
                       END AS paid_date,
                       COALESCE(paid.amount_paid_7, 0) AS amount_paid_7,
                       COALESCE(paid.amount_paid_15, 0) AS amount_paid_15,
                       COALESCE(paid.amount_paid_30, 0) AS amount_paid_30,
                       %(rates)s
                  FROM reminded r
                  JOIN account_move m ON m.id = r.move_id
                  JOIN today t ON t.company_id = m.company_id
             LEFT JOIN paid ON paid.id = r.id
                )
                """,
                table=SQL.identifier(self._table),
                amounts=amounts,
                rates=rates,
                today=Rule._get_company_today_sql("c"),
            )
        )
