from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round, format_amount, format_date

from ..models.account_dunning_schedule import OPEN_SCHEDULE_STATES

FREQUENCIES = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
}


class AccountDunningScheduleWizard(models.TransientModel):
    """Negotiate a payment schedule: the instalments are previewed live from the
    parameters and may be adjusted by hand before they are checked."""

    _name = "account.dunning.schedule.wizard"
    _inherit = ["account.dunning.selection.mixin"]
    _description = "Payment schedule wizard"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_schedule_wizard_move_rel",
        "wizard_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=lambda self: self._get_move_ids_domain(),
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_amounts")
    include_penalties = fields.Boolean(
        string="Add late-payment penalties",
        help="Claim the penalties owed today on a debit note included in the "
        "schedule. Otherwise they are waived provided the schedule is honoured.",
    )
    amount_residual = fields.Monetary(string="Amount due", compute="_compute_amounts")
    penalty_amount = fields.Monetary(string="Penalties", compute="_compute_amounts")
    amount_total = fields.Monetary(string="Total", compute="_compute_amounts")
    down_payment = fields.Monetary(string="Down payment")
    down_payment_date = fields.Date(
        string="Down payment on", default=fields.Date.context_today
    )
    instalment_count = fields.Integer(string="Number of instalments", default=3)
    frequency = fields.Selection(
        [
            ("weekly", "Weekly"),
            ("biweekly", "Every two weeks"),
            ("monthly", "Monthly"),
        ],
        required=True,
        default="monthly",
    )
    first_date = fields.Date(
        string="First instalment",
        required=True,
        default=lambda s: fields.Date.context_today(s) + relativedelta(months=1),
    )
    rounding = fields.Selection(
        [("0.01", "To the cent"), ("1", "To the unit"), ("10", "To the ten")],
        string="Round instalments",
        required=True,
        default="0.01",
        help="Instalments are rounded; the last one takes the remainder.",
    )
    line_ids = fields.One2many(
        "account.dunning.schedule.wizard.line",
        "wizard_id",
        string="Instalments",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    lines_total = fields.Monetary(
        string="Total of instalments", compute="_compute_check"
    )
    error_message = fields.Text(compute="_compute_check")
    warning_message = fields.Text(compute="_compute_check")
    declaration_id = fields.Many2one(
        "account.dunning.declaration",
        string="Customer's request",
        readonly=True,
        help="The request for a payment schedule the customer sent from its page: "
        "creating the schedule answers it.",
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    def _get_move_ids_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_client_domain()

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "move_ids" in fields_list and not res.get("move_ids"):
            partner, moves = self._get_selected_moves()
            res["partner_id"] = partner.id
            res["move_ids"] = [Command.set(moves.ids)]
        return res

    @api.model
    def _get_open_action(self, model, ids, name=None):
        return super()._get_open_action(
            model, ids, name or self.env._("Payment schedule")
        )

    @api.model
    def _get_selection_error(self):
        return self.env._("Select a customer or invoices of one customer.")

    @api.model
    def _get_selected_moves(self):
        """The customer and the invoices to schedule: the selected invoices, or
        every overdue invoice of the selected customer (or work queue row)."""
        records = self._get_selection()
        partner = self._get_selection_customers(records)
        if len(partner) != 1:
            raise UserError(
                self.env._("A payment schedule covers the invoices of one customer.")
            )
        if records._name == "account.move":
            return partner, records
        today = self.env["account.dunning.run"]._company_today(self.env.company)
        moves = self._search_open_invoices(
            partner,
            [
                ("invoice_date_due", "<", today),
                "|",
                ("dunning_schedule_id", "=", False),
                ("dunning_schedule_id.state", "not in", OPEN_SCHEDULE_STATES),
            ],
            order="invoice_date_due, id",
        )
        if not moves:
            raise UserError(
                self.env._(
                    "%(customer)s has no overdue invoice outside a payment "
                    "schedule.",
                    customer=partner.display_name,
                )
            )
        return partner, moves

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids", "include_penalties", "date")
    def _compute_amounts(self):
        for wizard in self:
            moves = wizard.move_ids._origin
            wizard.currency_id = moves.currency_id[:1] or wizard.company_id.currency_id
            wizard.amount_residual = sum(moves.mapped("amount_residual"))
            penalty = 0.0
            if wizard.include_penalties and moves:
                penalties = moves._get_dunning_penalties(wizard.date)
                penalty = wizard.currency_id.round(
                    sum(v["interest"] for v in penalties.values())
                ) + wizard.currency_id.round(
                    sum(v["fixed_fee"] for v in penalties.values())
                )
            wizard.penalty_amount = penalty
            wizard.amount_total = wizard.amount_residual + penalty

    @api.depends(
        "amount_total",
        "down_payment",
        "down_payment_date",
        "instalment_count",
        "frequency",
        "first_date",
        "rounding",
    )
    def _compute_line_ids(self):
        for wizard in self:
            commands = [Command.clear()]
            commands += [Command.create(vals) for vals in wizard._prepare_lines()]
            wizard.line_ids = commands

    def _prepare_lines(self):
        """Down payment, then equal rounded instalments; the last one takes the
        remainder."""
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        count = self.instalment_count
        if count < 1 or not self.first_date:
            return []
        lines = []
        rest = self.amount_total
        if currency.compare_amounts(self.down_payment, 0) > 0:
            lines.append(
                {
                    "date": self.down_payment_date or self.date,
                    "amount": self.down_payment,
                    "is_down_payment": True,
                }
            )
            rest -= self.down_payment
        step = max(float(self.rounding), currency.rounding)
        amount = float_round(rest / count, precision_rounding=step)
        period = FREQUENCIES[self.frequency]
        for index in range(count):
            if index == count - 1:
                amount = currency.round(rest - amount * (count - 1))
            lines.append({"date": self.first_date + period * index, "amount": amount})
        return lines

    @api.depends("line_ids.date", "line_ids.amount", "amount_total", "move_ids", "date")
    def _compute_check(self):
        for wizard in self:
            wizard.lines_total = sum(wizard.line_ids.mapped("amount"))
            wizard.error_message = "\n".join(wizard._get_errors()) or False
            wizard.warning_message = wizard._get_warning() or False

    # ------------------------------------------------------------
    # CHECKS
    # ------------------------------------------------------------

    def _get_errors(self):
        """Every reason the schedule cannot be made, in plain words."""
        self.ensure_one()
        errors = []
        currency = self.currency_id or self.company_id.currency_id
        moves = self.move_ids._origin

        def amount(value):
            return format_amount(self.env, value, currency)

        if not moves:
            errors.append(self.env._("Select at least one invoice to schedule."))
        wrong = moves.filtered(
            lambda m: m.move_type != "out_invoice"
            or m.state != "posted"
            or currency.compare_amounts(m.amount_residual, 0) <= 0
        )
        if wrong:
            errors.append(
                self.env._(
                    "Only posted customer invoices with an amount still due can be "
                    "scheduled: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        if len(moves.commercial_partner_id) > 1 or (
            moves and moves.commercial_partner_id != self.partner_id
        ):
            errors.append(
                self.env._("A payment schedule covers the invoices of one customer.")
            )
        if len(moves.currency_id) > 1:
            errors.append(self.env._("Schedule invoices of one currency at a time."))
        taken = moves.filtered(
            lambda m: m.dunning_schedule_id.state in OPEN_SCHEDULE_STATES
        )
        if taken:
            errors.append(
                self.env._(
                    "Already in a payment schedule: %(moves)s.",
                    moves=", ".join(taken.mapped("display_name")),
                )
            )
        if self.instalment_count < 1:
            errors.append(self.env._("Plan at least one instalment."))
        if currency.compare_amounts(self.down_payment, 0) < 0:
            errors.append(self.env._("The down payment cannot be negative."))
        elif (
            moves
            and currency.compare_amounts(self.down_payment, self.amount_total) >= 0
        ):
            errors.append(
                self.env._(
                    "The down payment (%(down)s) must be less than the total "
                    "(%(total)s): nothing would be left to schedule.",
                    down=amount(self.down_payment),
                    total=amount(self.amount_total),
                )
            )
        return errors + self._get_line_errors()

    def _get_line_errors(self):
        return self.env["account.dunning.schedule"]._get_instalment_errors(
            [(line.date, line.amount) for line in self.line_ids],
            self.amount_total,
            self.currency_id or self.company_id.currency_id,
            self.date,
        )

    def _get_warning(self):
        self.ensure_one()
        dates = [d for d in self.line_ids.mapped("date") if d]
        if not dates or not self.partner_id:
            return ""
        policy = self.partner_id._get_dunning_policy(self.company_id)
        months = policy.schedule_max_months
        if not months or max(dates) <= self.date + relativedelta(months=months):
            return ""
        return self.env._(
            "This schedule ends on %(last)s, beyond the %(months)s months advised by "
            "the %(policy)s policy: keep it as short as the customer can afford.",
            last=format_date(self.env, max(dates)),
            months=months,
            policy=policy.name,
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Create the draft schedule, to be printed and signed by the customer."""
        self.ensure_one()
        errors = self._get_errors()
        if errors:
            raise UserError("\n".join(errors))
        moves = self.move_ids._origin
        penalty = 0.0
        if self.include_penalties and not self.currency_id.is_zero(self.penalty_amount):
            note_action = moves.action_dunning_claim_penalties()
            note = self.env["account.move"].browse(note_action["res_id"])
            note.invoice_date_due = max(self.line_ids.mapped("date"))
            note.action_post()
            penalty = note.amount_residual
            if not self.currency_id.is_zero(penalty - self.penalty_amount):
                raise UserError(
                    self.env._("The penalties changed since the preview; start again.")
                )
            moves |= note
        lines = self.line_ids.sorted(lambda line: (line.date, line.id))
        schedule = self.env["account.dunning.schedule"].create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "currency_id": self.currency_id.id,
                "date": self.date,
                "move_ids": [Command.set(moves.ids)],
                "amount_start": sum(moves.mapped("amount_residual")),
                "penalty_amount": penalty,
                "line_ids": [
                    Command.create(
                        {
                            "sequence": index,
                            "date": line.date,
                            "amount": line.amount,
                            "is_down_payment": line.is_down_payment,
                        }
                    )
                    for index, line in enumerate(lines)
                ],
            }
        )
        self.declaration_id._mark_scheduled(schedule)
        return schedule._get_form_action()
