"""The credit controller's work queue, one SQL view. Over 600 lines because
the view reads in one query all that decides each customer's next action
(invoices, reminders, calls, payments, promises, schedules), and the row's
buttons lead to the actions of those models."""

from odoo import fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import snapshot
from ..lib.queue_sql import QUEUE_VIEW_SQL
from ..lib.snapshot import next_level_due_sql, read_bank_lines
from .account_dunning_action import ACTIVE_STATES, VALIDATED_STATES
from .res_partner import RISKS

# A row's id: its company's id times this, plus its customer's id.
ROW_ID_FACTOR = 1000000000
# What to do next with a customer, in the order the view chooses it (the
# first that applies): the customer's reply, the legal deadline, then what
# waits for the user (approve, print, call), then what may settle the debt (a
# payment to check, a promise or an instalment due), then the next reminder.
NEXT_ACTIONS = [
    ("replied", "Read the reply"),
    ("hand_over", "Hand over"),
    ("approve", "Approve the reminders"),
    ("print", "Print letters"),
    ("call", "Call"),
    ("check_payment", "Check a payment"),
    ("promise_due", "Promise due"),
    ("schedule_late", "Instalment late"),
    ("remind", "Remind"),
]


class AccountDunningQueue(models.Model):
    """The credit controller's work queue: one row per customer with overdue
    invoices, sorted by priority (overdue amount x days late), replies first."""

    _name = "account.dunning.queue"
    _inherit = ["account.dunning.schedule.mixin"]
    _description = "Customers to remind"
    _auto = False
    _order = "replied desc, priority desc, partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    level_id = fields.Many2one(
        "account.dunning.level", string="Highest level", readonly=True
    )
    open_amount = fields.Monetary(string="Amount due", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    overdue_count = fields.Integer(string="Overdue invoices", readonly=True)
    oldest_due_date = fields.Date(
        string="Oldest due date", readonly=True, aggregator="min"
    )
    days_late = fields.Integer(
        string="Days late",
        readonly=True,
        aggregator="max",
        help="Days late of the customer's oldest overdue invoice (a group "
        "shows its largest, never a sum).",
    )
    priority = fields.Float(
        readonly=True,
        aggregator="sum",
        help="Overdue amount × days late, doubled for a high payment risk and "
        "half as much again for one to watch.",
    )
    risk = fields.Selection(RISKS, string="Payment risk", readonly=True)
    last_date = fields.Date(string="Last reminder", readonly=True)
    draft_count = fields.Integer(string="To confirm", readonly=True)
    to_send_count = fields.Integer(string="To print", readonly=True)
    failed_count = fields.Integer(
        string="Failed",
        readonly=True,
        help="Reminders that failed in the last 7 days (no address, email "
        "refused or bounced, SMS refused) and that no later reminder covers.",
    )
    unreachable_count = fields.Integer(
        string="Cannot be sent",
        compute="_compute_unreachable_count",
        search="_search_unreachable_count",
        help="Reminders to confirm that would fail as the customer stands (no "
        "email, mobile, phone number or complete postal address): complete "
        "the customer before confirming them.",
    )
    to_do = fields.Boolean(string="To remind today", readonly=True)
    replied = fields.Boolean(readonly=True)  # a reply to read (account.dunning.reply)
    bank_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Payment to reconcile",
        compute="_compute_bank_line_id",
        help="A bank statement line not reconciled yet that names one of the "
        "customer's invoices or came from the customer: the night holds what "
        "it pays until it is reconciled.",
    )
    receipt_action_id = fields.Many2one(
        "account.dunning.action",
        string="Awaiting receipt",
        compute="_compute_receipt_action_id",
        help="The customer's last formal notice, sent by registered mail, "
        "whose date of receipt is not recorded yet: record it from here.",
    )
    hand_over_due = fields.Boolean(
        string="To hand over",
        compute="_compute_hand_over_due",
        search="_search_hand_over_due",
        help="The deadline of the last formal notice has passed and the customer "
        "still owes: hand the debt over to litigation.",
    )
    limitation_date = fields.Date(string="Claim lapses after", readonly=True)
    limitation_alert = fields.Boolean(string="Claim lapsing soon", readonly=True)
    next_action = fields.Selection(
        NEXT_ACTIONS,
        readonly=True,
        help="What to do next with this customer, the first that applies: read "
        "its reply, hand over (the formal notice's deadline has passed), approve the "
        "reminders waiting for a confirmation, print the letters confirmed, "
        "call (a call task due), check a payment (one received not reconciled "
        "yet, or one the customer says they made), a promise of payment due, "
        "an instalment late, remind (invoices due for their next level, or "
        "a reminder that failed).",
    )
    dunning_status = fields.Char(related="partner_id.dunning_status", string="Status")
    dunning_promise_broken = fields.Boolean(related="partner_id.dunning_promise_broken")
    dunning_dispute_count = fields.Integer(related="partner_id.dunning_dispute_count")

    def init(self):
        Rule = self.env["account.dunning.rule"]
        # the policy of the invoice's customer in the invoice's company
        policy = SQL(
            "COALESCE((cp.dunning_policy_id ->> m.company_id::text)"
            "::int, t.dunning_policy_id)"
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                QUEUE_VIEW_SQL,
                table=SQL.identifier(self._table),
                open=Rule._get_open_invoice_sql("m"),
                today=Rule._get_company_today_sql("c"),
                level_due=next_level_due_sql("m", "lv", policy, SQL("t.day")),
                lapsing=snapshot.limitation_near_sql("m", policy, SQL("t.day")),
                ahead=snapshot.notice_ahead_sql("lv", policy),
                litigation=Rule._get_litigation_sql(
                    "p", SQL("inv.company_id"), SQL("t.day")
                ),
                behaviour=Rule._get_payment_behaviour_sql(
                    SQL(
                        "(SELECT c.id AS company_id, %s AS day"
                        " FROM res_company c) AS d",
                        Rule._get_company_today_sql("c"),
                    )
                ),
                active=ACTIVE_STATES,
                validated=VALIDATED_STATES,
                factor=ROW_ID_FACTOR,
            )
        )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _read_unreachable_counts(self, partners=None, companies=None):
        """{(customer id, company id): reminders to confirm that cannot be
        sent}, one query (the rule's domain, `account.dunning.rule`)."""
        domain = [("unreachable_reason", "!=", False)]
        if partners is not None:
            domain += [
                ("partner_id", "in", partners.ids),
                ("company_id", "in", companies.ids),
            ]
        groups = self.env["account.dunning.action"]._read_group(
            domain, ["partner_id", "company_id"], ["__count"]
        )
        return {(partner.id, company.id): count for partner, company, count in groups}

    def _compute_bank_line_id(self):
        """The first bank statement line not reconciled yet holding the
        customer's invoices, as the nightly rule reads them
        (`lib.snapshot.read_bank_lines`): one query per company shown."""
        Rule = self.env["account.dunning.rule"]
        found = {}
        for company, rows in self.grouped("company_id").items():
            day = Rule._get_company_today(company)
            for line in read_bank_lines(self.env, company, rows.partner_id.ids, day):
                for partner_id in (line.partner_id, *line.move_partner_ids):
                    found.setdefault((company.id, partner_id), line.id)
        for row in self:
            row.bank_line_id = found.get((row.company_id.id, row.partner_id.id))

    def _compute_receipt_action_id(self):
        """One search for the rows shown: each customer's last formal notice
        sent (or on its way by post), when it awaits its receipt."""
        notices = self.env["account.dunning.action"].search_fetch(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("level_id.is_formal_notice", "=", True),
                ("state", "in", ("to_send", "sending", "done")),
            ],
            ["partner_id", "company_id", "registered_mail_mode", "received_date"],
            order="date desc, id desc",
        )
        last = {}
        for notice in notices:
            last.setdefault((notice.partner_id.id, notice.company_id.id), notice)
        for row in self:
            notice = last.get((row.partner_id.id, row.company_id.id), notices.browse())
            row.receipt_action_id = notice if notice.awaiting_receipt else False

    def _read_hand_over_keys(self, partners=None):
        """{(customer id, company id)} whose last formal notice sent has a
        payment deadline passed on the company's day, and that no open case
        holds yet (`account.dunning.rule._get_litigation_domain`)."""
        Rule = self.env["account.dunning.rule"]
        self.env["account.dunning.action"].flush_model(
            ["company_id", "partner_id", "state", "date", "payment_deadline"]
        )
        where = SQL("lv.is_formal_notice AND a.state IN %s", VALIDATED_STATES)
        if partners is not None:
            where = SQL("%s AND a.partner_id = ANY(%s)", where, partners.ids)
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (a.company_id, a.partner_id)
                       a.company_id, a.partner_id, a.payment_deadline
                  FROM account_dunning_action a
                  JOIN account_dunning_level lv ON lv.id = a.level_id
                 WHERE %s
              ORDER BY a.company_id, a.partner_id, a.date DESC, a.id DESC
                """,
                where,
            )
        )
        passed = {}
        for company_id, partner_id, deadline in self.env.cr.fetchall():
            passed.setdefault(company_id, {})[partner_id] = deadline
        lapsing = self.env["account.dunning.limitation"]._read_hand_over_keys(partners)
        keys = set()
        Litigation = self.env["account.dunning.litigation"]
        for company in self.env["res.company"].browse(set(passed) | set(lapsing)):
            today = Rule._get_company_today(company)
            due = [
                partner_id
                for partner_id, deadline in passed.get(company.id, {}).items()
                if deadline and deadline < today
            ] + list(lapsing.get(company.id, ()))
            litigated = Litigation.search(
                Rule._get_litigation_domain(company, today)
                + [("partner_id", "in", due)]
            ).partner_id.ids
            keys.update(
                (partner_id, company.id)
                for partner_id in due
                if partner_id not in litigated
            )
        return keys

    def _compute_hand_over_due(self):
        keys = self._read_hand_over_keys(self.partner_id)
        for row in self:
            row.hand_over_due = (
                row.overdue_amount > 0
                and (row.partner_id.id, row.company_id.id) in keys
            )

    def _search_hand_over_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Only “is set” and “is not set” can be searched.")
            )
        ids = [
            company_id * ROW_ID_FACTOR + partner_id
            for partner_id, company_id in self._read_hand_over_keys()
        ]
        positive = (operator == "=") == value
        if positive:
            return [("id", "in", ids), ("overdue_amount", ">", 0)]
        return ["|", ("id", "not in", ids), ("overdue_amount", "<=", 0)]

    def _compute_unreachable_count(self):
        counts = self._read_unreachable_counts(self.partner_id, self.company_id)
        for row in self:
            row.unreachable_count = counts.get(
                (row.partner_id.id, row.company_id.id), 0
            )

    def _search_unreachable_count(self, operator, value):
        if operator not in (">", "!=", "=") or value != 0:
            raise UserError(
                self.env._("Only “is set” and “is not set” can be searched.")
            )
        ids = [
            company_id * ROW_ID_FACTOR + partner_id
            for partner_id, company_id in self._read_unreachable_counts()
        ]
        return [("id", "not in" if operator == "=" else "in", ids)]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_record_receipt(self):
        self.ensure_one()
        return self.receipt_action_id.action_record_receipt()

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    def action_mark_reply_handled(self):
        for company, rows in self.grouped("company_id").items():
            self.env["account.dunning.reply"]._mark_handled(rows.partner_id, company)
        return True

    def action_open_actions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [
            ("partner_id", "in", self.partner_id.ids),
            ("company_id", "in", self.company_id.ids),
        ]
        action["context"] = {"search_default_filter_open": 1}
        return action

    def action_print_letters(self):
        """Print, as one PDF, the letters waiting for the selected customers."""
        letters = self._get_actions(["to_send"]).filtered(
            lambda a: a.channel == "letter"
        )
        if not letters:
            raise UserError(
                self.env._("No letter is waiting to be printed for these customers.")
            )
        return letters.action_print_letters()

    def action_validate_drafts(self):
        """Confirm and send every reminder waiting for the selected customers."""
        drafts = self._get_actions(["draft"])
        if not drafts:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "message": self.env._("Nothing to confirm for these customers."),
                    "type": "warning",
                },
            }
        drafts.action_validate()
        return True

    def action_open_bank_line(self):
        """Reconcile the payment that holds this customer: Odoo's bank
        reconciliation on its statement line where installed (Enterprise's
        `account_accountant`), else the line's journal entry (Community has
        no reconciliation screen for statement lines)."""
        self.ensure_one()
        line = self.bank_line_id
        if not line:
            raise UserError(
                self.env._("No payment waits to be reconciled for this customer.")
            )
        if hasattr(line, "action_open_recon_st_line"):
            return line.action_open_recon_st_line()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment to reconcile"),
            "res_model": "account.move",
            "res_id": line.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_log_call(self):
        self.ensure_one()
        return (
            self.env["account.dunning.call.wizard"]
            .with_company(self.company_id)
            ._get_log_call_action(self.partner_id)
        )

    def action_hand_over(self):
        """Hand the customer's overdue invoices over to litigation."""
        self.ensure_one()
        return (
            self.env["account.dunning.litigation.wizard"]
            .with_company(self.company_id)
            ._get_open_action(self.partner_id, self.company_id)
        )

    def action_dunning_wizard(self):
        return self.env["account.dunning.wizard"]._get_open_action(
            "account.dunning.queue", self.ids
        )

    def action_do_next(self):
        """Do the row's next action (`next_action`) through the action that
        already does it: the customer's form (its reply), the hand-over wizard,
        the reminders to approve, the letters to print, the call log, the payment
        or declaration to check, the promise, the schedule, the "Relancer" wizard."""
        self.ensure_one()
        handlers = {
            "replied": self.action_open_partner,
            "hand_over": self.action_hand_over,
            "approve": self._action_open_drafts,
            "print": self.action_print_letters,
            "call": self.action_log_call,
            "check_payment": self._action_check_payment,
            "promise_due": self._action_open_promise,
            "schedule_late": self._action_open_schedule,
            "remind": self.action_dunning_wizard,
        }
        if not self.next_action:
            raise UserError(self.env._("Nothing is left to do for this customer."))
        return handlers[self.next_action]()

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_schedule_partner_company(self):
        return self.partner_id, self.company_id

    def _open_records(self, records, name):
        """The form of a single record, else the list of them."""
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": records._name,
            "target": "current",
        }
        if len(records) == 1:
            return dict(action, res_id=records.id, views=[(False, "form")])
        return dict(
            action,
            domain=[("id", "in", records.ids)],
            views=[(False, "list"), (False, "form")],
        )

    def _action_open_drafts(self):
        """The reminders waiting for a confirmation, to read before approving."""
        drafts = self._get_actions(["draft"])
        if not drafts:
            raise UserError(self.env._("No reminder waits for a confirmation."))
        return self._open_records(drafts, self.env._("Reminders to approve"))

    def _action_check_payment(self):
        """The payment received to reconcile, else the payment the customer
        says they made (its declaration) to confirm or reject."""
        if self.bank_line_id:
            return self.action_open_bank_line()
        declarations = self.env["account.dunning.declaration"].search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("kind", "=", "paid"),
                ("state", "=", "open"),
            ]
        )
        if not declarations:
            raise UserError(
                self.env._("No payment waits to be checked for this customer.")
            )
        return self._open_records(declarations, self.env._("Payments to check"))

    def _action_open_promise(self):
        today = self.env["account.dunning.rule"]._get_company_today(self.company_id)
        promises = self.env["account.dunning.promise"].search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "open"),
                ("date", "<=", today),
            ]
        )
        if not promises:
            raise UserError(self.env._("No promise of payment is due."))
        return self._open_records(promises, self.env._("Promises due"))

    def _action_open_schedule(self):
        schedule = self.dunning_schedule_current_id
        if not schedule:
            raise UserError(self.env._("This customer has no payment schedule."))
        return self._open_records(schedule, self.env._("Payment schedule"))

    def _get_actions(self, states):
        return self.env["account.dunning.action"].search(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("state", "in", states),
            ]
        )
