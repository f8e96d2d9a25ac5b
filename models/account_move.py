"""Everything the addon adds to invoices, by topic. Over 600 lines because an
extended model lives in exactly one file (one model, one file)."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .account_dunning_einvoice_status import EINVOICE_STATUSES

# Reminder state fields of an invoice -> columns of account.dunning.move.state
DUNNING_STATE_COLUMNS = {
    "dunning_level_id": "level_id",
    "dunning_last_date": "last_date",
    "dunning_count": "reminder_count",
}


class AccountMove(models.Model):
    """Where an invoice stands in the reminders (read from its history), what
    holds it (exclusion, dispute, promise, schedule), its next step and the
    late-payment penalties it owes."""

    _inherit = "account.move"

    # ------------------------------------------------------------
    # FIELDS: reminders
    # ------------------------------------------------------------

    # Where the invoice stands, read from its reminders history
    # (account.dunning.move.state): searchable, groupable and sortable through
    # `_field_to_sql`, never written.
    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        string="Dunning level",
        compute="_compute_dunning_state",
        search="_search_dunning_level_id",
        help="Level of the last reminder sent (or waiting to be printed) about "
        "this invoice.",
    )
    dunning_last_date = fields.Date(
        string="Last reminder",
        compute="_compute_dunning_state",
        search="_search_dunning_last_date",
    )
    dunning_count = fields.Integer(
        string="Reminders",
        compute="_compute_dunning_state",
        search="_search_dunning_count",
        help="Days on which this invoice was reminded.",
    )
    dunning_excluded = fields.Boolean(
        string="Excluded from reminders", copy=False, tracking=True
    )
    is_disputed = fields.Boolean(
        string="In dispute",
        compute="_compute_is_disputed",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="An open dispute whose reason pauses reminders covers this invoice.",
    )
    dunning_promise_date = fields.Date(
        string="Promised payment date",
        compute="_compute_dunning_promise_date",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="Date of the open promise of payment covering this invoice: no "
        "reminder until this date plus the grace days.",
    )
    dunning_dispute_ids = fields.Many2many(
        "account.dunning.dispute",
        "account_dunning_dispute_move_rel",
        "move_id",
        "dispute_id",
        string="Disputes",
        copy=False,
        readonly=True,
    )
    dunning_promise_ids = fields.Many2many(
        "account.dunning.promise",
        "account_dunning_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises of payment",
        copy=False,
        readonly=True,
    )
    dunning_declaration_ids = fields.Many2many(
        "account.dunning.declaration",
        "account_dunning_declaration_move_rel",
        "move_id",
        "declaration_id",
        string="Customer declarations",
        copy=False,
        readonly=True,
    )
    dunning_declared_paid_date = fields.Date(
        string="Declared paid on",
        compute="_compute_dunning_declared_paid_date",
        store=True,
        copy=False,
        help="Day the customer declared on its page that it paid this invoice "
        "(open declaration): no reminder until this day plus the grace days, "
        "while the payment is looked for.",
    )
    dunning_hold = fields.Selection(
        [
            ("dispute", "Dispute"),
            ("promise", "Promise"),
            ("declared_paid", "Declared paid"),
            ("excluded", "Excluded"),
        ],
        string="Hold",
        compute="_compute_dunning_hold",
        help="Why the invoice gets no reminder now.",
    )
    dunning_action_line_ids = fields.One2many(
        "account.dunning.action.line", "move_id", string="Reminders history"
    )
    dunning_action_count = fields.Integer(compute="_compute_dunning_action_count")
    dunning_next_date = fields.Date(
        string="Next reminder",
        compute="_compute_dunning_next",
        help="Earliest date of the next level under the customer's policy.",
    )
    dunning_next_level_id = fields.Many2one(
        "account.dunning.level",
        string="Next level",
        compute="_compute_dunning_next",
    )

    # ------------------------------------------------------------
    # FIELDS: payment schedule
    # ------------------------------------------------------------

    dunning_schedule_id = fields.Many2one(
        "account.dunning.schedule",
        string="Payment schedule",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Payment schedule agreed with the customer for this invoice: while it "
        "is honoured the invoice gets no ordinary reminder.",
    )
    dunning_schedule_state = fields.Selection(related="dunning_schedule_id.state")

    # ------------------------------------------------------------
    # FIELDS: late-payment penalties
    # ------------------------------------------------------------

    dunning_interest_amount = fields.Monetary(
        string="Late-payment interest",
        compute="_compute_dunning_penalties",
        help="Interest owed today for late payment: ECB rate + 10 points (or the "
        "contractual rate) for a professional, ECB rate + 8 points for a public "
        "buyer, legal rate from the formal notice for a private person.",
    )
    dunning_fixed_fee = fields.Monetary(
        string="Recovery indemnity",
        compute="_compute_dunning_penalties",
        help="Fixed indemnity for recovery costs owed by a professional or public "
        "customer for an invoice paid late (40 € per invoice).",
    )

    # ------------------------------------------------------------
    # FIELDS: the law (payment term, e-invoicing platform)
    # ------------------------------------------------------------

    dunning_payment_term_warning = fields.Char(
        string="Payment term warning",
        compute="_compute_dunning_payment_term_warning",
        help="The payment term or due date is over the legal maximum.",
    )
    dunning_einvoice_status_ids = fields.One2many(
        "account.dunning.einvoice.status", "move_id", string="E-invoicing statuses"
    )
    dunning_einvoice_status = fields.Selection(
        EINVOICE_STATUSES,
        string="E-invoicing status",
        compute="_compute_dunning_einvoice_status",
        store=True,
    )
    dunning_einvoice_status_date = fields.Datetime(
        string="E-invoicing status received on",
        compute="_compute_dunning_einvoice_status",
        store=True,
    )
    dunning_einvoice_paid_amount = fields.Monetary(
        string="Paid on the e-invoicing platform",
        compute="_compute_dunning_einvoice_status",
        store=True,
        help="Reminders claim what is left of the invoice beyond it.",
    )
    # FIELDS: limitation
    # ------------------------------------------------------------

    # The limitation runs from Odoo's `delivery_date` (completion or delivery,
    # shown on French invoices) or the invoice date, the earlier.
    dunning_acknowledgement_date = fields.Date(
        string="Debt acknowledged on",
        copy=False,
        tracking=True,
        help="Date of a written acknowledgement of this debt by the customer: the "
        "limitation period restarts from it. Payments and signed payment "
        "schedules count by themselves; a promise of payment does not.",
    )
    dunning_limitation_date = fields.Date(
        string="Claim lapses after",
        compute="_compute_dunning_limitation_date",
        store=True,
        index="btree_not_null",
        help="Last day to act before the claim lapses: 2 years from the service "
        "for a private person, 5 for a professional, 4 from the 1 January after "
        "it for a public buyer, restarted by a payment, a signed schedule or a "
        "written acknowledgement. Reminders and formal notices do not stop it.",
    )
    dunning_limitation_origin = fields.Selection(
        [
            ("service", "Service or invoice"),
            ("payment", "Payment"),
            ("schedule", "Signed payment schedule"),
            ("acknowledgement", "Written acknowledgement"),
        ],
        string="Limitation runs from",
        compute="_compute_dunning_limitation_date",
        store=True,
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "dunning_action_line_ids.state",
        "dunning_action_line_ids.level_id",
        "dunning_action_line_ids.date",
    )
    def _compute_dunning_state(self):
        Level = self.env["account.dunning.level"]
        states = self.env["account.dunning.move.state"]._read_states(
            [move_id for move_id in self.ids if isinstance(move_id, int)]
        )
        for move in self:
            level_id, last_date, count = states.get(move.id, (False, False, 0))
            move.dunning_level_id = Level.browse(level_id)
            move.dunning_last_date = last_date
            move.dunning_count = count

    def _search_dunning_level_id(self, operator, value):
        return self._search_dunning_state("level_id", operator, value)

    def _search_dunning_last_date(self, operator, value):
        return self._search_dunning_state("last_date", operator, value)

    def _search_dunning_count(self, operator, value):
        return self._search_dunning_state("reminder_count", operator, value)

    @api.depends("dunning_dispute_ids.state", "dunning_dispute_ids.pauses_dunning")
    def _compute_is_disputed(self):
        for move in self:
            move.is_disputed = any(
                dispute.state == "open" and dispute.pauses_dunning
                for dispute in move.dunning_dispute_ids
            )

    @api.depends("dunning_promise_ids.state", "dunning_promise_ids.date")
    def _compute_dunning_promise_date(self):
        for move in self:
            dates = [
                promise.date
                for promise in move.dunning_promise_ids
                if promise.state == "open"
            ]
            move.dunning_promise_date = max(dates) if dates else False

    @api.depends(
        "dunning_declaration_ids.kind",
        "dunning_declaration_ids.state",
        "dunning_declaration_ids.declared_date",
    )
    def _compute_dunning_declared_paid_date(self):
        for move in self:
            dates = [
                declaration.declared_date
                for declaration in move.dunning_declaration_ids
                if declaration.kind == "paid" and declaration.state == "open"
            ]
            move.dunning_declared_paid_date = max(dates) if dates else False

    @api.depends(
        "is_disputed",
        "dunning_promise_date",
        "dunning_declared_paid_date",
        "dunning_excluded",
    )
    def _compute_dunning_hold(self):
        for move in self:
            if move.is_disputed:
                move.dunning_hold = "dispute"
            elif move.dunning_promise_date:
                move.dunning_hold = "promise"
            elif move.dunning_declared_paid_date:
                move.dunning_hold = "declared_paid"
            elif move.dunning_excluded:
                move.dunning_hold = "excluded"
            else:
                move.dunning_hold = False

    @api.depends(
        "invoice_date",
        "invoice_date_due",
        "invoice_payment_term_id",
        "commercial_partner_id.dunning_debtor_category",
        "company_id.dunning_sector",
    )
    def _compute_dunning_payment_term_warning(self):
        Term = self.env["account.payment.term"]
        for move in self:
            move.dunning_payment_term_warning = Term._get_dunning_move_warning(move)

    @api.depends(
        "dunning_einvoice_status_ids.code",
        "dunning_einvoice_status_ids.date",
        "dunning_einvoice_status_ids.amount",
    )
    def _compute_dunning_einvoice_status(self):
        Status = self.env["account.dunning.einvoice.status"]
        for move in self:
            latest, paid = Status._get_latest(move.dunning_einvoice_status_ids)
            move.dunning_einvoice_status = latest.code
            move.dunning_einvoice_status_date = latest.date
            move.dunning_einvoice_paid_amount = paid

    def _compute_dunning_action_count(self):
        counts = dict(
            self.env["account.dunning.action.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["action_id:count_distinct"]
            )
        )
        for move in self:
            move.dunning_action_count = counts.get(move, 0)

    @api.depends(
        "dunning_level_id",
        "invoice_date_due",
        "amount_residual",
        "commercial_partner_id",
        "dunning_schedule_id.state",
        "dunning_limitation_date",
    )
    def _compute_dunning_next(self):
        """The next level under the customer's policy and when it falls due:
        the engine's rule (`account.dunning.rule`), as of the company's day."""
        Rule = self.env["account.dunning.rule"]
        Limitation = self.env["account.dunning.limitation"]
        Level = self.env["account.dunning.level"]
        self.dunning_next_date = False
        self.dunning_next_level_id = Level
        candidates = self.filtered(lambda m: m._is_dunning_candidate())
        for company, moves in candidates.grouped("company_id").items():
            policies, levels = Rule._read_policies(company)
            today = self.env["account.dunning.run"]._company_today(company)
            # handed over to litigation: no amicable reminder to come
            litigated = (
                self.env["account.dunning.litigation"]
                .search(
                    Rule._get_litigation_domain(company, today)
                    + [("partner_id", "in", moves.commercial_partner_id.ids)]
                )
                .partner_id
            )
            for move in moves:
                if move.commercial_partner_id in litigated:
                    continue
                policy = policies.get(
                    move.commercial_partner_id._get_dunning_policy(company).id
                )
                if not policy:
                    continue
                schedule_state = move.dunning_schedule_id.state
                level_id = move.dunning_level_id.id
                lapsing, level = Limitation._get_step(
                    level_id, move.dunning_limitation_date, policy, levels, today
                )
                if not lapsing:
                    level = Rule._get_next_level(
                        level_id,
                        move.invoice_date_due,
                        schedule_state,
                        policy,
                        levels,
                        today,
                    )
                if level:
                    date = Rule._get_level_date(
                        level, move.invoice_date_due, schedule_state, today
                    )
                    move.dunning_next_level_id = Level.browse(level.id)
                    move.dunning_next_date = today if lapsing else date

    @api.depends(
        "state",
        "move_type",
        "amount_residual",
        "invoice_date_due",
        "commercial_partner_id",
        "commercial_partner_id.dunning_proceedings",
        "commercial_partner_id.dunning_proceedings_date",
    )
    @api.depends_context("dunning_penalty_date")
    def _compute_dunning_penalties(self):
        on_date = self.env.context.get("dunning_penalty_date")
        origins = self._origin
        penalties = origins._get_dunning_penalties(on_date) if origins else {}
        for move in self:
            values = penalties.get(move._origin.id, {})
            move.dunning_interest_amount = values.get("interest", 0.0)
            move.dunning_fixed_fee = values.get("fixed_fee", 0.0)

    @api.depends(
        "move_type",
        "invoice_date",
        "delivery_date",
        "commercial_partner_id.dunning_debtor_category",
        "dunning_acknowledgement_date",
        "dunning_schedule_id.state",
        "dunning_schedule_id.agreement_date",
        "line_ids.matched_credit_ids",
        "matched_payment_ids.state",
    )
    def _compute_dunning_limitation_date(self):
        limits = self.env["account.dunning.limitation"]._get_move_limitations(self)
        for move in self:
            move.dunning_limitation_date, move.dunning_limitation_origin = limits[
                move.id
            ]

    # ------------------------------------------------------------
    # ONCHANGE METHODS
    # ------------------------------------------------------------

    @api.onchange("invoice_payment_term_id", "partner_id")
    def _onchange_dunning_payment_term_warning(self):
        message = self.dunning_payment_term_warning
        return self.env["account.payment.term"]._get_dunning_warning_popup(message)

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def init(self):
        res = super().init()
        # The engine reads open customer invoices by company and customer.
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS account_move_dunning_open_idx
                    ON account_move (company_id, commercial_partner_id,
                                     invoice_date_due)
                 WHERE %s
                """,
                self.env["account.dunning.rule"]._get_open_invoice_sql(),
            )
        )
        return res

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # The reminder state is a correlated subquery on the history, so that
        # lists group and sort invoices by it and domains compare it in SQL.
        column = DUNNING_STATE_COLUMNS.get(fname)
        if not column:
            return super()._field_to_sql(alias, fname, query, flush)
        sql = self.env["account.dunning.move.state"]._column_sql(column, alias)
        return SQL("COALESCE(%s, 0)", sql) if column == "reminder_count" else sql

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_dunning_exclude(self):
        self._check_dunning_invoices()
        self.write({"dunning_excluded": True})
        return True

    def action_dunning_include(self):
        self._check_dunning_invoices()
        self.write({"dunning_excluded": False})
        return True

    def action_open_dunning_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("move_ids", "in", self.ids)]
        action["context"] = {}
        return action

    def action_open_dunning_schedule(self):
        self.ensure_one()
        return self.dunning_schedule_id._get_form_action()

    def action_dunning_claim_penalties(self):
        """Draft debit note of the penalties of these invoices."""
        return self.env["account.dunning.penalty.claim"]._claim_penalties(self)

    def action_dunning_wizard(self):
        """Open "Relancer" on these invoices."""
        return self.env["account.dunning.wizard"]._get_open_action(
            "account.move", self.ids
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _search_dunning_state(self, column, operator, value):
        """Domain on the reminder state: invoices never reminded have no state
        row and hold an empty level and date and a count of zero."""
        # sudo: the state only tells the level of invoices the outer search
        # already restricts to what the user may read
        State = self.env["account.dunning.move.state"].sudo()
        matching = [("id", "in", State._search([(column, operator, value)]))]
        if State.new({}).filtered_domain([(column, operator, value)]):
            return expression.OR([matching, [("id", "not in", State._search([]))]])
        return matching

    @api.model
    def _get_dunning_read_fields(self):
        """Fields the engine reads in one query per batch."""
        return [
            "name",
            "company_id",
            "partner_id",
            "commercial_partner_id",
            "currency_id",
            "invoice_date_due",
            "amount_total",
            "amount_residual",
            "amount_residual_signed",
            "dunning_level_id",
            "dunning_excluded",
            "is_disputed",
            "dunning_promise_date",
            "dunning_declared_paid_date",
            "dunning_schedule_id",
            "dunning_limitation_date",
        ]

    def _is_dunning_candidate(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.invoice_date_due
            and self.currency_id.compare_amounts(self.amount_residual, 0) > 0
        )

    def _check_dunning_invoices(self):
        wrong = self.filtered(lambda m: m.move_type != "out_invoice")
        if wrong:
            raise UserError(
                self.env._(
                    "Only customer invoices can be reminded: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )

    def _get_dunning_invoices_action(self, name):
        """These invoices in the customer invoices list (the invoices of a
        reminder, a promise, a dispute, a schedule)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            name=name, domain=[("id", "in", self.ids)], context={"create": False}
        )
        return action

    def _get_dunning_penalties(self, on_date=None):
        """Late-payment penalties of these invoices on `on_date` (default
        today), per invoice id: see `account.dunning.late.payment`."""
        return self.env["account.dunning.late.payment"]._compute_penalties(
            self, on_date
        )
