from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class AccountDunningDispute(models.Model):
    """A disagreement of the customer on one or several invoices.

    While open with a reason that pauses reminders, its invoices get none; once
    resolved, they resume at the level after the one they had reached.
    """

    _name = "account.dunning.dispute"
    _description = "Dispute on invoices"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        help="Taken from the invoices when left empty.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_dispute_move_rel",
        "dispute_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=lambda self: self._get_move_ids_domain(),
    )
    reason_id = fields.Many2one(
        "account.dunning.reason",
        required=True,
        tracking=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    pauses_dunning = fields.Boolean(
        related="reason_id.pauses_dunning", store=True, string="Pauses reminders"
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    note = fields.Html()
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        help="Who solves the dispute (sales, delivery, accounting...).",
    )
    date = fields.Date(
        string="Opened on",
        required=True,
        default=fields.Date.context_today,
        index=True,
    )
    resolved_date = fields.Date(string="Closed on", readonly=True, copy=False)
    age = fields.Integer(
        string="Age (days)",
        compute="_compute_age",
        help="Days since the dispute was opened (until it was closed).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount in dispute", compute="_compute_amount_residual"
    )

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    def _get_move_ids_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_client_domain()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids")
    def _compute_partner_id(self):
        for dispute in self.filtered(lambda d: not d.partner_id):
            customers = dispute.move_ids.commercial_partner_id
            if len(customers) == 1:
                dispute.partner_id = customers

    @api.depends("partner_id", "move_ids")
    def _compute_name(self):
        for dispute in self:
            dispute.name = self.env._(
                "Dispute %(partner)s: %(invoices)s",
                partner=dispute.partner_id.display_name or "",
                invoices=", ".join(dispute.move_ids.mapped("name")),
            )

    @api.depends("date", "resolved_date")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for dispute in self:
            end = dispute.resolved_date or today
            dispute.age = (end - dispute.date).days if dispute.date else 0

    @api.depends("move_ids.amount_residual_signed")
    def _compute_amount_residual(self):
        for dispute in self:
            dispute.amount_residual = sum(
                dispute.move_ids.mapped("amount_residual_signed")
            )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("move_ids", "partner_id")
    def _check_move_ids(self):
        for dispute in self:
            if not dispute.move_ids:
                raise ValidationError(
                    self.env._("A dispute concerns at least one invoice.")
                )
            if dispute.move_ids.commercial_partner_id != dispute.partner_id:
                raise ValidationError(
                    self.env._(
                        "The invoices of a dispute must all belong to its customer."
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # a dispute given only invoices takes their customer: refuse, in plain
        # words, invoices of several customers (no customer to take)
        for vals in vals_list:
            if vals.get("partner_id") or not vals.get("move_ids"):
                continue
            moves = self.new({"move_ids": vals["move_ids"]}).move_ids
            customers = moves.commercial_partner_id
            if len(customers) > 1:
                raise ValidationError(
                    self.env._(
                        "A dispute concerns the invoices of one customer; these "
                        "belong to %(customers)s.",
                        customers=", ".join(customers.mapped("display_name")),
                    )
                )
        return super().create(vals_list)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_resolve(self):
        if any(dispute.state != "open" for dispute in self):
            raise UserError(self.env._("Only open disputes can be resolved."))
        self.write(
            {"state": "resolved", "resolved_date": fields.Date.context_today(self)}
        )
        return True

    def action_cancel(self):
        if any(dispute.state != "open" for dispute in self):
            raise UserError(self.env._("Only open disputes can be cancelled."))
        self.write(
            {"state": "cancelled", "resolved_date": fields.Date.context_today(self)}
        )
        return True

    def action_reopen(self):
        self.write({"state": "open", "resolved_date": False})
        return True

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(
            self.env._("Invoices in dispute")
        )
