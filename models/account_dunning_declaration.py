from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

DECLARATION_KINDS = [
    ("paid", "Says it has paid"),
    ("plan_request", "Asks for a payment schedule"),
]
PAYMENT_METHODS = [
    ("transfer", "Bank transfer"),
    ("cheque", "Cheque"),
    ("card", "Card"),
    ("direct_debit", "Direct debit"),
    ("other", "Other"),
]


class AccountDunningDeclaration(models.Model):
    """What a customer declares on its page and the credit controller checks:
    a payment made ("I have paid") or a request for a payment schedule.

    An open *paid* declaration holds its invoices for the policy's grace days
    from the day it was made, while the payment is looked for (the invoice's
    `dunning_declared_paid_date`, read by the escalation rule). A schedule
    request is turned into a schedule through the payment schedule wizard,
    opened pre-filled from here.
    """

    _name = "account.dunning.declaration"
    _description = "Customer declaration"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "declared_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        domain="[('parent_id', '=', False)]",
    )
    kind = fields.Selection(DECLARATION_KINDS, required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_declaration_move_rel",
        "declaration_id",
        "move_id",
        string="Invoices",
        check_company=True,
        readonly=True,
    )
    declared_date = fields.Date(
        string="Declared on",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Day the customer sent the declaration; the invoices of a payment "
        "declared are held for the policy's grace days from this day.",
    )
    date = fields.Date(
        readonly=True,
        help="Payment date the customer gives, or the day it asked for a "
        "payment schedule.",
    )
    amount = fields.Monetary(
        readonly=True,
        help="Amount the customer says it paid, or the amount due when it asked "
        "for a payment schedule.",
    )
    payment_method = fields.Selection(PAYMENT_METHODS, readonly=True)
    instalment_count = fields.Integer(string="Instalments proposed", readonly=True)
    message = fields.Text(readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_dunning_declaration_attachment_rel",
        "declaration_id",
        "attachment_id",
        string="Documents",
        readonly=True,
        help="Remittance advice or other documents sent by the customer.",
    )
    state = fields.Selection(
        [("open", "To check"), ("confirmed", "Confirmed"), ("rejected", "Rejected")],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    hold_until = fields.Date(
        string="Reminders held until",
        compute="_compute_hold_until",
        help="While the payment declared is looked for, the invoices get no "
        "reminder until this day (the policy's grace days).",
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True, index=True
    )
    action_id = fields.Many2one(
        "account.dunning.action",
        string="In the history",
        readonly=True,
        ondelete="set null",
    )
    schedule_id = fields.Many2one(
        "account.dunning.schedule",
        string="Payment schedule",
        readonly=True,
        ondelete="set null",
        copy=False,
    )
    closed_date = fields.Date(string="Checked on", readonly=True, copy=False)

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("kind", "partner_id", "move_ids")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for declaration in self:
            declaration.name = self.env._(
                "%(kind)s: %(partner)s (%(invoices)s)",
                kind=kinds.get(declaration.kind, ""),
                partner=declaration.partner_id.display_name or "",
                invoices=", ".join(declaration.move_ids.mapped("name")),
            )

    @api.depends("kind", "state", "declared_date", "partner_id", "company_id")
    def _compute_hold_until(self):
        for declaration in self:
            if declaration.kind != "paid" or declaration.state != "open":
                declaration.hold_until = False
                continue
            policy = declaration.partner_id._get_dunning_policy(declaration.company_id)
            declaration.hold_until = declaration.declared_date + timedelta(
                days=policy.grace_days
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """The payment was found (or the request handled): the declaration is
        closed and its invoices are no longer held by it."""
        self._check_open()
        self.write(
            {"state": "confirmed", "closed_date": fields.Date.context_today(self)}
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self):
        """No such payment, or the request is refused: reminders resume at once
        on the invoices (the next night reminds them if they are due)."""
        self._check_open()
        self.write(
            {"state": "rejected", "closed_date": fields.Date.context_today(self)}
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def action_reopen(self):
        self.write({"state": "open", "closed_date": False})
        return True

    def action_open_schedule_wizard(self):
        """The payment schedule wizard on the invoices still open, with the
        number of instalments the customer proposed; creating the schedule
        confirms the request."""
        self.ensure_one()
        self._check_open()
        moves = self.move_ids.filtered(lambda m: m._is_dunning_candidate())
        if not moves:
            raise UserError(
                self.env._(
                    "The invoices of this request are paid: there is nothing left "
                    "to schedule."
                )
            )
        action = (
            self.env["account.dunning.schedule.wizard"]
            .with_company(self.company_id)
            ._get_open_action("account.move", moves.ids)
        )
        action["context"] = dict(
            action["context"],
            default_declaration_id=self.id,
            default_instalment_count=self.instalment_count or 3,
        )
        return action

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(
            self.env._("Invoices declared")
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _check_open(self):
        if any(declaration.state != "open" for declaration in self):
            raise UserError(self.env._("Only declarations to check can be closed."))

    def _mark_scheduled(self, schedule):
        """The schedule wizard made `schedule` from this request."""
        self.filtered(lambda d: d.state == "open").write(
            {
                "state": "confirmed",
                "schedule_id": schedule.id,
                "closed_date": fields.Date.context_today(self),
            }
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def _get_summary(self):
        """One line for the history and the chatter."""
        self.ensure_one()
        if self.kind == "paid":
            methods = dict(
                self._fields["payment_method"]._description_selection(self.env)
            )
            return self.env._(
                "Says it paid %(amount)s on %(date)s by %(method)s.",
                amount=format_amount(self.env, self.amount, self.currency_id),
                date=format_date(self.env, self.date),
                method=methods.get(self.payment_method, ""),
            )
        return self.env._(
            "Asks for a payment schedule of %(amount)s in %(count)s instalments.",
            amount=format_amount(self.env, self.amount, self.currency_id),
            count=self.instalment_count,
        )
