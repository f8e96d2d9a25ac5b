from odoo import fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from .account_dunning_queue import ROW_ID_FACTOR

KINDS = [
    ("customer", "Customer with overdue invoices"),
    ("call", "Call logged"),
    ("promise", "Promise obtained"),
]


class AccountDunningReportController(models.Model):
    """Per credit controller: the customers in their care with overdue
    invoices today and what they owe (`account.dunning.report.level`; the
    responsible is the customer's credit controller in the company, else its
    salesperson, as in the work queue), the calls they logged and the
    promises they obtained. One row per customer, call or
    promise, so that each figure opens the records behind it."""

    _name = "account.dunning.report.controller"
    _description = "Dunning dashboard: per credit controller"
    _auto = False
    _order = "date desc, id desc"

    kind = fields.Selection(KINDS, readonly=True)
    date = fields.Date(
        readonly=True, help="Today for a customer, else the call's or promise's day."
    )
    user_id = fields.Many2one("res.users", string="Credit controller", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    action_id = fields.Many2one("account.dunning.action", string="Call", readonly=True)
    promise_id = fields.Many2one("account.dunning.promise", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    call_count = fields.Integer(string="Calls logged", readonly=True)
    promise_count = fields.Integer(string="Promises obtained", readonly=True)
    promise_amount = fields.Monetary(string="Amount promised", readonly=True)

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
                ), overdue AS (
                    SELECT o.company_id, o.partner_id,
                           SUM(o.overdue_amount) AS overdue_amount
                      FROM %(overdue)s o
                  GROUP BY o.company_id, o.partner_id
                )
                -- the customer's credit controller in the company, else its
                -- salesperson, as in the work queue
                SELECT (o.company_id::bigint * %(factor)s + o.partner_id) * 4 AS id,
                       'customer' AS kind,
                       t.day AS date,
                       COALESCE(
                           (p.dunning_responsible_id ->> o.company_id::text)::int,
                           p.user_id
                       ) AS user_id,
                       o.company_id, o.partner_id,
                       NULL::int AS action_id, NULL::int AS promise_id,
                       1 AS customer_count, o.overdue_amount,
                       0 AS call_count, 0 AS promise_count,
                       0 AS promise_amount
                  FROM overdue o
                  JOIN res_partner p ON p.id = o.partner_id
                  JOIN today t ON t.company_id = o.company_id
                 UNION ALL
                SELECT a.id * 4 + 1, 'call', a.date, a.user_id, a.company_id,
                       a.partner_id, a.id, NULL, 0, 0, 1, 0, 0
                  FROM account_dunning_action a
                 WHERE a.channel = 'call' AND a.state = 'done'
                 UNION ALL
                SELECT pr.id * 4 + 2, 'promise', pr.create_date::date,
                       pr.user_id, pr.company_id, pr.partner_id, NULL, pr.id,
                       0, 0, 0, 1, pr.amount
                  FROM account_dunning_promise pr
                 WHERE pr.state != 'cancelled'
                )
                """,
                table=SQL.identifier(self._table),
                today=Rule._get_company_today_sql("c"),
                overdue=SQL.identifier(self.env["account.dunning.report.level"]._table),
                factor=ROW_ID_FACTOR,
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_records(self):
        """The customers, calls or promises behind the selected rows, in
        their own list (one kind at a time)."""
        kinds = set(self.mapped("kind"))
        if len(kinds) != 1:
            raise UserError(
                self.env._("Select rows of one kind: customers, calls or promises.")
            )
        kind = kinds.pop()
        if kind == "call":
            return (
                self.env["account.dunning.report.channel"]
                .browse(self.action_id.ids)
                .action_open_reminders()
            )
        if kind == "promise":
            return (
                self.env["account.dunning.report.promise"]
                .browse(self.promise_id.ids)
                .action_open_promises()
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers"),
            "res_model": "res.partner",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.partner_id.ids)],
            "context": {"create": False},
        }
