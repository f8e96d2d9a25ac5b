"""Handing a customer's unpaid invoices over to litigation (DOMAIN.md §4.6)."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..models.account_dunning_litigation import ROUTES
from ..models.account_dunning_policy import SMALL_CLAIMS_LIMIT


class AccountDunningLitigationWizard(models.TransientModel):
    """The credit manager hands over invoices the formal notice did not get
    paid: the route, the agent, the invoices, the date and the agreed fees.
    Creates the case (`account.dunning.litigation`); from then on the
    customer gets no amicable reminder."""

    _name = "account.dunning.litigation.wizard"
    _description = "Hand over to litigation"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain="[('parent_id', '=', False)]",
    )
    route = fields.Selection(
        ROUTES,
        required=True,
        compute="_compute_route",
        store=True,
        readonly=False,
        help="Proposed for the customer's overdue invoices: the simplified "
        "small-claims procedure by a commissaire de justice when their principal "
        "and interest stay within the ceiling of the customer's policy, else "
        "the injonction de payer.",
    )
    agent_id = fields.Many2one(
        "res.partner",
        help="The agency, commissaire de justice or lawyer in charge.",
    )
    date = fields.Date(
        string="Handed over on", required=True, default=fields.Date.context_today
    )
    fees = fields.Monetary(string="Agreed fees")
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_litigation_wizard_move_rel",
        "wizard_id",
        "move_id",
        string="Invoices",
        compute="_compute_move_ids",
        store=True,
        readonly=False,
        # no company check here: `_check_hand_over` refuses in plain words
        domain=lambda self: self._get_move_ids_domain(),
        help="By default the customer's open invoices past their due date that "
        "no open case holds yet.",
    )
    notice_action_id = fields.Many2one(
        "account.dunning.action",
        string="Formal notice",
        compute="_compute_notice_action_id",
    )
    payment_deadline = fields.Date(
        related="notice_action_id.payment_deadline", string="Notice deadline"
    )
    amount_total = fields.Monetary(
        string="Amount handed over", compute="_compute_amount_total"
    )
    claim_amount = fields.Monetary(
        string="Principal and interest",
        compute="_compute_small_claims",
        help="What the invoices still owe plus the late-payment interest due on "
        "the hand-over date; the fixed recovery indemnities are not counted.",
    )
    small_claims_limit = fields.Monetary(
        string="Small-claims ceiling", compute="_compute_small_claims"
    )
    small_claims_eligible = fields.Boolean(
        string="Small claims possible",
        compute="_compute_small_claims",
        help="Principal and interest within the ceiling: a commissaire de "
        "justice can recover the debt through the simplified procedure, without "
        "a judge (CPCE L125-1, R125-1).",
    )
    note = fields.Html()
    transfer_to_doubtful = fields.Boolean(
        string="Transfer to doubtful debts",
        default=True,
        help="Prepare the draft entry moving the invoices' open balance from "
        "411 to 416 (doubtful debts), for the accountant to review and post.",
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    def _get_move_ids_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_client_domain()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("partner_id", "company_id", "date")
    def _compute_move_ids(self):
        Move = self.env["account.move"]
        Rule = self.env["account.dunning.rule"]
        Litigation = self.env["account.dunning.litigation"]
        for wizard in self:
            if not wizard.partner_id:
                wizard.move_ids = Move
                continue
            moves = Move.search(
                Rule._get_open_invoice_domain(wizard.company_id)
                + [
                    ("commercial_partner_id", "=", wizard.partner_id.id),
                    ("invoice_date_due", "<", wizard.date),
                ],
                order="invoice_date_due, id",
            )
            taken = Litigation._get_open_cases(moves)
            wizard.move_ids = moves.filtered(lambda m, taken=taken: m.id not in taken)

    @api.depends("partner_id", "company_id")
    def _compute_notice_action_id(self):
        Litigation = self.env["account.dunning.litigation"]
        for wizard in self:
            wizard.notice_action_id = (
                Litigation._get_last_notice(wizard.partner_id, wizard.company_id)
                if wizard.partner_id
                else False
            )

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.move_ids.mapped("amount_residual_signed"))

    @api.depends("move_ids", "date", "partner_id", "company_id")
    def _compute_small_claims(self):
        for wizard in self:
            wizard.claim_amount = wizard._get_claim_amount()
            wizard.small_claims_limit = wizard._get_small_claims_limit()
            currency = (wizard.company_id or self.env.company).currency_id
            wizard.small_claims_eligible = bool(wizard.move_ids) and (
                currency.compare_amounts(wizard.claim_amount, wizard.small_claims_limit)
                <= 0
            )

    @api.depends("partner_id", "company_id")
    def _compute_route(self):
        """The small-claims procedure when the customer's overdue invoices
        allow it, else the injonction de payer (DOMAIN.md §4.2, T16). Only a
        change of customer proposes again: a route chosen by the user stays."""
        for wizard in self:
            if not wizard.partner_id:
                wizard.route = wizard.route or "agency"
                continue
            wizard.route = (
                "small_claims" if wizard.small_claims_eligible else "injunction"
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Create the case, after the checks; nothing is written on refusal."""
        self.ensure_one()
        self._check_hand_over()
        case = self.env["account.dunning.litigation"].create(
            {
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                "route": self.route,
                "agent_id": self.agent_id.id,
                "date": self.date,
                "fees": self.fees,
                "move_ids": [fields.Command.set(self.move_ids.ids)],
                "amount_claimed": self.amount_total,
                "notice_action_id": self.notice_action_id.id,
                "note": self.note,
            }
        )
        if self.transfer_to_doubtful:
            self.env["account.dunning.doubtful"]._transfer_to_doubtful(case, self.date)
        return {
            "type": "ir.actions.act_window",
            "res_model": case._name,
            "res_id": case.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_open_action(self, partner=None, company=None):
        """The wizard for `partner` (the customer's form, a queue row), else
        empty (the case list)."""
        context = {"default_company_id": (company or self.env.company).id}
        if partner:
            context["default_partner_id"] = partner.commercial_partner_id.id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand over to litigation"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def _check_hand_over(self):
        """The refusals of a hand-over, in plain words."""
        moves = self.move_ids
        if not moves:
            raise UserError(self.env._("Choose the invoices to hand over."))
        if self.date > fields.Date.context_today(self):
            raise UserError(self.env._("The hand-over cannot be dated in the future."))
        foreign = moves.filtered(lambda m: m.company_id != self.company_id)
        if foreign:
            raise UserError(
                self.env._(
                    "Invoices %(invoices)s belong to another company than "
                    "%(company)s.",
                    invoices=", ".join(foreign.mapped("name")),
                    company=self.company_id.name,
                )
            )
        others = moves.filtered(
            lambda m: m.commercial_partner_id != self.partner_id.commercial_partner_id
        )
        if others:
            raise UserError(
                self.env._(
                    "Invoices %(invoices)s are not invoices of %(customer)s.",
                    invoices=", ".join(others.mapped("name")),
                    customer=self.partner_id.display_name,
                )
            )
        open_moves = moves.filtered_domain(
            self.env["account.dunning.rule"]._get_open_invoice_domain()
        )
        closed = moves - open_moves
        if closed:
            raise UserError(
                self.env._(
                    "Invoices %(invoices)s are already paid, or are not posted "
                    "customer invoices: there is nothing to hand over.",
                    invoices=", ".join(closed.mapped("name")),
                )
            )
        taken = self.env["account.dunning.litigation"]._get_open_cases(moves)
        if taken:
            raise UserError(
                self.env._(
                    "Invoices %(invoices)s are already in an open case (%(cases)s).",
                    invoices=", ".join(
                        moves.filtered(lambda m: m.id in taken).mapped("name")
                    ),
                    cases=", ".join(sorted({case.name for case in taken.values()})),
                )
            )
        if self.route == "small_claims" and not self.small_claims_eligible:
            raise UserError(
                self.env._(
                    "The simplified small-claims procedure is for debts of at "
                    "most %(limit)s in principal and interest; these invoices "
                    "come to %(amount)s: choose the injonction de payer.",
                    limit=format_amount(
                        self.env, self.small_claims_limit, self.currency_id
                    ),
                    amount=format_amount(self.env, self.claim_amount, self.currency_id),
                )
            )
        if self.route == "injunction" and not self.notice_action_id:
            raise UserError(
                self.env._(
                    "An injonction de payer needs a formal notice sent to the "
                    "customer first: send the formal notice, then hand over."
                )
            )

    def _get_claim_amount(self):
        """Principal and interest of the invoices on the hand-over date, in the
        company's currency: their open balance and the late-payment interest
        the addon computes (`account.move._get_dunning_penalties`)."""
        self.ensure_one()
        moves = self.move_ids._origin
        if not moves:
            return 0.0
        company = self.company_id or self.env.company
        penalties = moves._get_dunning_penalties(self.date)
        interest = sum(
            move.currency_id._convert(
                penalties[move.id]["interest"],
                company.currency_id,
                company,
                self.date or fields.Date.context_today(self),
            )
            for move in moves
        )
        return company.currency_id.round(
            sum(moves.mapped("amount_residual_signed")) + interest
        )

    def _get_small_claims_limit(self):
        """The ceiling of the customer's policy (the legal one without)."""
        self.ensure_one()
        policy = (
            self.partner_id._get_dunning_policy(self.company_id)
            if self.partner_id
            else False
        )
        return policy.small_claims_limit if policy else SMALL_CLAIMS_LIMIT
