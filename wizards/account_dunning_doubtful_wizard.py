from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountDunningDoubtfulWizard(models.TransientModel):
    """One step of a litigation case in the books, chosen from the case's
    Accounting page: transfer to doubtful debts, depreciation (or its review at
    closing), write-off. Each prepares draft entries for the accountant."""

    _name = "account.dunning.doubtful.wizard"
    _description = "Doubtful debt entries"

    case_id = fields.Many2one(
        "account.dunning.litigation", required=True, readonly=True
    )
    company_id = fields.Many2one(related="case_id.company_id")
    currency_id = fields.Many2one(related="case_id.currency_id")
    operation = fields.Selection(
        [
            ("transfer", "Transfer to doubtful debts (411 → 416)"),
            ("depreciate", "Depreciate / review the depreciation"),
            ("writeoff", "Write off as lost"),
        ],
        required=True,
        default="transfer",
    )
    date = fields.Date(
        string="Accounting date", required=True, default=fields.Date.context_today
    )
    rate = fields.Float(
        string="Depreciation rate (%)",
        digits=(5, 2),
        help="Estimated loss, as a percentage of the open amount before tax. "
        "A lower rate than the one booked reverses the difference.",
    )
    amount_total = fields.Monetary(
        string="Open amount (tax incl.)", compute="_compute_amounts"
    )
    amount_untaxed = fields.Monetary(
        string="Open amount (tax excl.)", compute="_compute_amounts"
    )
    depreciation = fields.Monetary(
        string="Depreciation booked", compute="_compute_amounts"
    )
    depreciation_rate = fields.Float(
        string="Rate booked (%)", compute="_compute_amounts", digits=(5, 2)
    )
    is_collectible = fields.Boolean(
        compute="_compute_amounts",
        help="The case is not closed as lost: payments may still come.",
    )
    confirm_collectible = fields.Boolean(
        string="Write off although payments may still come",
        help="The case is not closed as lost: tick to confirm the debt is "
        "definitively irrecoverable (liquidation closed for insufficient assets, "
        "failed enforcement...).",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("case_id")
    def _compute_amounts(self):
        service = self.env["account.dunning.doubtful"]
        for wizard in self:
            case = wizard.case_id
            total, untaxed = service._get_doubtful_amounts(case) if case else (0, 0)
            depreciation = service._get_depreciation(case) if case else 0.0
            wizard.amount_total = total
            wizard.amount_untaxed = untaxed
            wizard.depreciation = depreciation
            wizard.depreciation_rate = (
                depreciation * 100.0 / untaxed if untaxed else 0.0
            )
            wizard.is_collectible = bool(case) and case.state != "lost"

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        service = self.env["account.dunning.doubtful"]
        if self.operation == "transfer":
            moves = service._transfer_to_doubtful(self.case_id, self.date)
        elif self.operation == "depreciate":
            moves = service._depreciate(self.case_id, self.rate, self.date)
        else:
            if self.is_collectible and not self.confirm_collectible:
                raise UserError(
                    self.env._(
                        "Case %(case)s is not closed as lost: payments may still "
                        "come. Tick the confirmation to write the debt off anyway.",
                        case=self.case_id.name,
                    )
                )
            moves = service._write_off(self.case_id, self.date)
        return self._get_moves_action(moves)

    def _get_moves_action(self, moves):
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Draft entries"),
            "res_model": "account.move",
            "context": {"create": False},
        }
        if len(moves) == 1:
            return dict(action, view_mode="form", res_id=moves.id)
        return dict(action, view_mode="list,form", domain=[("id", "in", moves.ids)])
