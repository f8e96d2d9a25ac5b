"""A debt handed over to litigation after the formal notice (DOMAIN.md §4):
the route, the agent, what was recovered and how the books show the debt."""

from odoo import api, fields, models


class AccountDunningLitigation(models.Model):
    """A case: invoices of one customer handed over to a collection agency, a
    commissaire de justice, an injonction de payer or a lawyer. While open,
    the customer gets no amicable reminder (skip cause `skip_litigation`)."""

    _name = "account.dunning.litigation"
    _description = "Litigation case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Case", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_litigation_move_rel",
        "litigation_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    route = fields.Selection(
        [
            ("agency", "Collection agency"),
            ("bailiff", "Commissaire de justice"),
            ("injunction", "Injonction de payer"),
            ("lawyer", "Lawyer"),
        ],
        required=True,
        tracking=True,
    )
    agent_id = fields.Many2one(
        "res.partner",
        string="Agent",
        tracking=True,
        help="The agency, commissaire de justice or lawyer in charge.",
    )
    date = fields.Date(
        string="Handed over on",
        required=True,
        default=fields.Date.context_today,
        index=True,
        tracking=True,
    )
    fees = fields.Monetary(string="Agreed fees", tracking=True)
    recovered_amount = fields.Monetary(string="Recovered", tracking=True)
    state = fields.Selection(
        [
            ("open", "Open"),
            ("paid", "Paid"),
            ("partial", "Partly paid"),
            ("lost", "Lost"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    closed_date = fields.Date(string="Closed on", readonly=True, copy=False)
    note = fields.Html()
    doubtful_move_id = fields.Many2one(
        "account.move",
        string="Transfer to doubtful",
        readonly=True,
        copy=False,
        check_company=True,
    )
    depreciation_move_ids = fields.Many2many(
        "account.move",
        "account_dunning_litigation_depreciation_rel",
        "litigation_id",
        "move_id",
        string="Depreciation entries",
        readonly=True,
        copy=False,
        check_company=True,
    )
    writeoff_move_id = fields.Many2one(
        "account.move",
        string="Write-off",
        readonly=True,
        copy=False,
        check_company=True,
    )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("account.dunning.litigation")
                    or "/"
                )
        return super().create(vals_list)
