from odoo import fields, models

CREDIT_KINDS = [
    ("credit_note", "Credit note"),
    ("payment", "Payment not yet allocated"),
    ("other", "Other credit"),
]


class AccountDunningActionCredit(models.Model):
    """A credit of the customer deducted from what a reminder claims: an open
    credit note or a payment not yet matched with an invoice (an open
    receivable item with a negative residual), as it stood when the reminder
    was created. Kept with the reminder, as its invoice lines are, so that its
    letter printed later claims the same net amount (`account.dunning.rule`,
    `_get_claim`)."""

    _name = "account.dunning.action.credit"
    _description = "Credit deducted in a reminder"
    _order = "action_id, date, id"
    # written by the night with its reminders, in one INSERT
    _log_access = False

    action_id = fields.Many2one(
        "account.dunning.action", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="action_id.company_id")
    move_id = fields.Many2one(
        "account.move", string="Document", required=True, ondelete="cascade"
    )
    kind = fields.Selection(CREDIT_KINDS, required=True)
    name = fields.Char(string="Number")
    ref = fields.Char(string="Reference")
    date = fields.Date()
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(help="What was left of the credit, in its currency.")
    company_currency_id = fields.Many2one(
        related="action_id.currency_id", string="Company currency"
    )
    amount_company = fields.Monetary(
        string="Amount in company currency", currency_field="company_currency_id"
    )
