from odoo import fields, models


class AccountDunningScheduleWizardLine(models.TransientModel):
    _name = "account.dunning.schedule.wizard.line"
    _description = "Payment schedule wizard instalment"
    _order = "id"

    wizard_id = fields.Many2one(
        "account.dunning.schedule.wizard", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down payment")
