from odoo import fields, models


class AccountDunningWizardMove(models.TransientModel):
    """One invoice of a wizard line: where it is and where it goes."""

    _name = "account.dunning.wizard.move"
    _description = "Invoice to remind"
    _order = "date_due, id"

    line_id = fields.Many2one(
        "account.dunning.wizard.line", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    currency_id = fields.Many2one("res.currency")
    date_due = fields.Date(string="Due date")
    days_overdue = fields.Integer(string="Days late")
    amount_residual = fields.Monetary(string="Amount due")
    current_level_id = fields.Many2one("account.dunning.level", string="Current level")
    proposed_level_id = fields.Many2one(
        "account.dunning.level", string="Proposed level"
    )
    skip_reason = fields.Char(string="Not reminded because")
    to_remind = fields.Boolean(string="Remind")
    can_remind = fields.Boolean(
        help="False when the escalation rule forbids reminding this invoice "
        "(dispute, promise, excluded, customer blocked...)."
    )
